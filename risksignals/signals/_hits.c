/* Per-hit loops of the matcher (matcher.py), the neutral words (neutral.py) and the evidence
 * string (detector.py), in C.
 *
 * The Aho-Corasick automata (pyahocorasick) find the forms; turning each of their hits into
 * (entry, form, key_start, key_end) for the right text of a batch was a Python loop that cost
 * more than the automata themselves. The Python functions (matcher._word_hits_py,
 * _other_hits_py, _anchor_docs_py, neutral._replace_words_py, detector._evidence_py) are the
 * reference; property-based tests check that these give the same results.
 *
 * A word character is what `ch.isalnum() or ch == "_"` says: Py_UNICODE_ISALNUM or '_'.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static unsigned char latin1_word[256]; /* filled at import from the same functions */

static inline int is_word(Py_UCS4 c) { return c < 256 ? latin1_word[c] : c == '_' || Py_UNICODE_ISALNUM(c); }

typedef struct {
    Py_ssize_t *at;
    Py_ssize_t n;
} starts_t;

static int starts_from(PyObject *list, starts_t *s) {
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "starts must be a list");
        return -1;
    }
    s->n = PyList_GET_SIZE(list);
    s->at = PyMem_Malloc(sizeof(Py_ssize_t) * (s->n ? s->n : 1));
    if (!s->at) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < s->n; i++) {
        s->at[i] = PyLong_AsSsize_t(PyList_GET_ITEM(list, i));
        if (s->at[i] == -1 && PyErr_Occurred()) {
            PyMem_Free(s->at);
            return -1;
        }
    }
    return 0;
}

/* bisect_right(starts, pos) - 1 */
static Py_ssize_t doc_of(const starts_t *s, Py_ssize_t pos) {
    Py_ssize_t lo = 0, hi = s->n;
    while (lo < hi) {
        Py_ssize_t mid = (lo + hi) / 2;
        if (pos < s->at[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo - 1;
}

/* end of the word run from pos on */
static Py_ssize_t word_end(const void *data, int kind, Py_ssize_t n, Py_ssize_t pos) {
    while (pos < n && is_word(PyUnicode_READ(kind, data, pos)))
        pos++;
    return pos;
}

/* append (entry, form, ks, ke) to hits[doc] for each (entry, form) of items */
static int add_items(PyObject *hits, Py_ssize_t doc, PyObject *items, Py_ssize_t ks, Py_ssize_t ke) {
    if (doc < 0 || doc >= PyList_GET_SIZE(hits)) {
        PyErr_SetString(PyExc_IndexError, "hit outside the batch");
        return -1;
    }
    PyObject *bucket = PyList_GET_ITEM(hits, doc);
    PyObject *seq = PySequence_Fast(items, "items must be a sequence");
    if (!seq)
        return -1;
    int rc = 0;
    PyObject *a = PyLong_FromSsize_t(ks), *b = PyLong_FromSsize_t(ke);
    if (!a || !b)
        rc = -1;
    for (Py_ssize_t i = 0; rc == 0 && i < PySequence_Fast_GET_SIZE(seq); i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2) {
            PyErr_SetString(PyExc_TypeError, "items must be (entry, form) tuples");
            rc = -1;
            break;
        }
        PyObject *hit = PyTuple_Pack(4, PyTuple_GET_ITEM(pair, 0), PyTuple_GET_ITEM(pair, 1), a, b);
        if (!hit || PyList_Append(bucket, hit) < 0)
            rc = -1;
        Py_XDECREF(hit);
    }
    Py_XDECREF(a);
    Py_XDECREF(b);
    Py_DECREF(seq);
    return rc;
}

/* ---------------------------------------------------------------------------------------------
 * An Aho-Corasick automaton over code points (the same hits, in the same order, as pyahocorasick's
 * iter(): every key ending at each position, longest first), compiled to a full transition table
 * over the characters the keys use (any other character is one symbol), so each character of the
 * text costs one table step. Keys are given as a list of str; a hit is (end index, key index).
 */
#include <stdint.h>

typedef struct {
    int32_t n_nodes, n_syms;
    int32_t *delta;             /* n_nodes x n_syms */
    int32_t *out, *dict, *first; /* key at a node; next node with a key on the fail chain; first output */
    int32_t sym_latin1[256];
    Py_UCS4 *hi_chars;          /* sorted key characters above Latin-1, and their symbols */
    int32_t *hi_syms, n_hi;
    Py_ssize_t n_keys;
} ac_t;

static void ac_free(ac_t *a) {
    if (!a)
        return;
    PyMem_Free(a->delta);
    PyMem_Free(a->out);
    PyMem_Free(a->dict);
    PyMem_Free(a->first);
    PyMem_Free(a->hi_chars);
    PyMem_Free(a->hi_syms);
    PyMem_Free(a);
}

static void ac_capsule_free(PyObject *capsule) { ac_free(PyCapsule_GetPointer(capsule, "risksignals.ac")); }

static inline int32_t ac_sym(const ac_t *a, Py_UCS4 c) {
    if (c < 256)
        return a->sym_latin1[c];
    int32_t lo = 0, hi = a->n_hi;
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (a->hi_chars[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < a->n_hi && a->hi_chars[lo] == c ? a->hi_syms[lo] : 0;
}

static int cmp_ucs4(const void *x, const void *y) {
    Py_UCS4 a = *(const Py_UCS4 *)x, b = *(const Py_UCS4 *)y;
    return a < b ? -1 : a > b;
}

/* ac_new(keys) -> capsule */
static PyObject *ac_new(PyObject *self, PyObject *keys) {
    (void)self;
    if (!PyList_Check(keys)) {
        PyErr_SetString(PyExc_TypeError, "ac_new() needs a list of str");
        return NULL;
    }
    Py_ssize_t total = 1, n_keys = PyList_GET_SIZE(keys);
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_SetString(PyExc_ValueError, "keys must be non-empty str");
            return NULL;
        }
        total += PyUnicode_GET_LENGTH(key);
    }
    PyObject *capsule = NULL;
    ac_t *a = PyMem_Calloc(1, sizeof(ac_t));
    Py_UCS4 *chars = PyMem_Malloc(sizeof(Py_UCS4) * total); /* every key character, then distinct */
    /* the trie as first-child / next-sibling lists, built key by key */
    int32_t *child = PyMem_Malloc(sizeof(int32_t) * total), *sibling = PyMem_Malloc(sizeof(int32_t) * total);
    Py_UCS4 *edge = PyMem_Malloc(sizeof(Py_UCS4) * total);
    int32_t *fail = PyMem_Malloc(sizeof(int32_t) * total), *queue = PyMem_Malloc(sizeof(int32_t) * total);
    if (!a || !chars || !child || !sibling || !edge || !fail || !queue)
        goto nomem;
    a->n_keys = n_keys;
    a->out = PyMem_Malloc(sizeof(int32_t) * total);
    a->dict = PyMem_Malloc(sizeof(int32_t) * total);
    a->first = PyMem_Malloc(sizeof(int32_t) * total);
    if (!a->out || !a->dict || !a->first)
        goto nomem;
    Py_ssize_t n_chars = 0;
    int32_t n_nodes = 1;
    child[0] = sibling[0] = -1;
    a->out[0] = -1;
    for (Py_ssize_t k = 0; k < n_keys; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        int32_t node = 0;
        for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(key); i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            chars[n_chars++] = c;
            int32_t v = child[node];
            while (v >= 0 && edge[v] != c)
                v = sibling[v];
            if (v < 0) {
                v = n_nodes++;
                edge[v] = c;
                child[v] = -1;
                sibling[v] = child[node];
                child[node] = v;
                a->out[v] = -1;
            }
            node = v;
        }
        a->out[node] = (int32_t)k; /* a repeated key: the last one counts, as in pyahocorasick */
    }
    a->n_nodes = n_nodes;
    /* the alphabet: symbol 0 is every character no key uses */
    qsort(chars, n_chars, sizeof(Py_UCS4), cmp_ucs4);
    int32_t n_syms = 1, n_hi = 0;
    for (Py_ssize_t i = 0; i < n_chars; i++)
        if (i == 0 || chars[i] != chars[i - 1]) {
            n_syms++;
            n_hi += chars[i] >= 256;
        }
    if ((double)n_nodes * n_syms > 64e6) {
        PyErr_SetString(PyExc_ValueError, "automaton too large for a transition table");
        goto done;
    }
    a->n_syms = n_syms;
    a->hi_chars = PyMem_Malloc(sizeof(Py_UCS4) * (n_hi ? n_hi : 1));
    a->hi_syms = PyMem_Malloc(sizeof(int32_t) * (n_hi ? n_hi : 1));
    a->delta = PyMem_Calloc((size_t)n_nodes * n_syms, sizeof(int32_t));
    if (!a->hi_chars || !a->hi_syms || !a->delta)
        goto nomem;
    int32_t sym = 0;
    for (Py_ssize_t i = 0; i < n_chars; i++) {
        if (i > 0 && chars[i] == chars[i - 1])
            continue;
        sym++;
        if (chars[i] < 256)
            a->sym_latin1[chars[i]] = sym;
        else {
            a->hi_chars[a->n_hi] = chars[i];
            a->hi_syms[a->n_hi++] = sym;
        }
    }
    /* breadth first: a node's row is its fail node's row with its own children written over */
    int32_t head = 0, tail = 0;
    queue[tail++] = 0;
    fail[0] = 0;
    a->dict[0] = -1;
    while (head < tail) {
        int32_t u = queue[head++];
        int32_t *row = a->delta + (size_t)u * n_syms;
        if (u != 0)
            memcpy(row, a->delta + (size_t)fail[u] * n_syms, sizeof(int32_t) * n_syms);
        for (int32_t v = child[u]; v >= 0; v = sibling[v]) {
            int32_t f = u == 0 ? 0 : a->delta[(size_t)fail[u] * n_syms + ac_sym(a, edge[v])];
            fail[v] = f;
            a->dict[v] = a->out[f] >= 0 ? f : a->dict[f];
            queue[tail++] = v;
        }
        for (int32_t v = child[u]; v >= 0; v = sibling[v])
            row[ac_sym(a, edge[v])] = v;
    }
    for (int32_t v = 0; v < n_nodes; v++)
        a->first[v] = a->out[v] >= 0 ? v : a->dict[v];
    capsule = PyCapsule_New(a, "risksignals.ac", ac_capsule_free);
    if (capsule)
        a = NULL; /* the capsule owns it now */
    goto done;
nomem:
    PyErr_NoMemory();
done:
    PyMem_Free(chars);
    PyMem_Free(child);
    PyMem_Free(sibling);
    PyMem_Free(edge);
    PyMem_Free(fail);
    PyMem_Free(queue);
    ac_free(a);
    return capsule;
}

typedef struct {
    Py_ssize_t *end;
    int32_t *id;
    Py_ssize_t n, cap;
} pairs_t;

static int pairs_add(pairs_t *p, Py_ssize_t end, int32_t id) {
    if (p->n == p->cap) {
        Py_ssize_t cap = p->cap ? p->cap * 2 : 1024;
        Py_ssize_t *e = PyMem_Realloc(p->end, sizeof(Py_ssize_t) * cap);
        if (e)
            p->end = e;
        int32_t *i = e ? PyMem_Realloc(p->id, sizeof(int32_t) * cap) : NULL;
        if (!e || !i) {
            PyErr_NoMemory();
            return -1;
        }
        p->id = i;
        p->cap = cap;
    }
    p->end[p->n] = end;
    p->id[p->n] = id;
    p->n++;
    return 0;
}

static void pairs_free(pairs_t *p) {
    PyMem_Free(p->end);
    PyMem_Free(p->id);
}

/* every (end, key index) of the automaton's keys in text */
static int ac_scan(const ac_t *a, PyObject *text, pairs_t *p) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const int32_t *delta = a->delta, *first = a->first, *dict = a->dict, *out = a->out;
    size_t n_syms = (size_t)a->n_syms;
    int32_t node = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        node = delta[(size_t)node * n_syms + (size_t)(c < 256 ? a->sym_latin1[c] : ac_sym(a, c))];
        for (int32_t t = first[node]; t >= 0; t = dict[t])
            if (pairs_add(p, i, out[t]) < 0)
                return -1;
    }
    return 0;
}

/* ac_find(capsule, text) -> [(end, key index), ...], as pyahocorasick's list(iter(text)) gives
 * (end, value) */
static PyObject *ac_find(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text))
        return NULL;
    ac_t *a = PyCapsule_GetPointer(capsule, "risksignals.ac");
    if (!a)
        return NULL;
    pairs_t p = {NULL, NULL, 0, 0};
    if (ac_scan(a, text, &p) < 0) {
        pairs_free(&p);
        return NULL;
    }
    PyObject *out = PyList_New(p.n);
    for (Py_ssize_t i = 0; out && i < p.n; i++) {
        PyObject *t = Py_BuildValue("(ni)", p.end[i], (int)p.id[i]);
        if (!t) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
    pairs_free(&p);
    return out;
}

/* A source of automaton hits for the loops below: a Python iterable of (end, value), or a
 * tuple (automaton capsule, values, text): the hits of this module's automaton in text, each
 * key index standing for values[index]. */
typedef struct {
    PyObject *it;
    pairs_t pairs;
    PyObject *values;
    Py_ssize_t pos;
} source_t;

static int source_open(source_t *s, PyObject *spec) {
    memset(s, 0, sizeof *s);
    if (PyTuple_Check(spec) && PyTuple_GET_SIZE(spec) == 3 && PyCapsule_CheckExact(PyTuple_GET_ITEM(spec, 0))) {
        ac_t *a = PyCapsule_GetPointer(PyTuple_GET_ITEM(spec, 0), "risksignals.ac");
        PyObject *values = PyTuple_GET_ITEM(spec, 1), *text = PyTuple_GET_ITEM(spec, 2);
        if (!a)
            return -1;
        if (!PyList_Check(values) || PyList_GET_SIZE(values) != a->n_keys || !PyUnicode_Check(text)) {
            PyErr_SetString(PyExc_TypeError, "a hit source is (automaton, values with one per key, text)");
            return -1;
        }
        s->values = values;
        if (ac_scan(a, text, &s->pairs) < 0) {
            pairs_free(&s->pairs);
            return -1;
        }
        return 0;
    }
    s->it = PyObject_GetIter(spec);
    return s->it ? 0 : -1;
}

static void source_close(source_t *s) {
    Py_XDECREF(s->it);
    pairs_free(&s->pairs);
}

/* 1: a hit (value borrowed; *item to release with Py_XDECREF), 0: no more, -1: error */
static int next_hit(source_t *s, Py_ssize_t *end, PyObject **value, PyObject **item) {
    *item = NULL;
    if (!s->it) {
        if (s->pos >= s->pairs.n)
            return 0;
        *end = s->pairs.end[s->pos];
        *value = PyList_GET_ITEM(s->values, s->pairs.id[s->pos]);
        s->pos++;
        return 1;
    }
    *item = PyIter_Next(s->it);
    if (!*item)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_Check(*item) || PyTuple_GET_SIZE(*item) != 2) {
        Py_CLEAR(*item);
        PyErr_SetString(PyExc_TypeError, "automaton hits must be (end, value)");
        return -1;
    }
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(*item, 0));
    *value = PyTuple_GET_ITEM(*item, 1);
    if (*end == -1 && PyErr_Occurred()) {
        Py_CLEAR(*item);
        return -1;
    }
    return 1;
}

/* What the per-hit functions of word_hits and other_hits see. */
typedef struct {
    PyObject *hits;
    starts_t starts;
    int kind;
    const void *data;
    Py_ssize_t n;
} loop_t;

/* The driver of word_hits and other_hits: args (source, joined, starts, hits); fn handles
 * one hit, returning -1 on error. */
static PyObject *run_loop(PyObject *args, int (*fn)(const loop_t *, Py_ssize_t end, PyObject *value)) {
    PyObject *iterable, *joined, *starts_o;
    loop_t L;
    if (!PyArg_ParseTuple(args, "OUO!O!", &iterable, &joined, &PyList_Type, &starts_o, &PyList_Type, &L.hits))
        return NULL;
    if (starts_from(starts_o, &L.starts) < 0)
        return NULL;
    source_t src;
    if (source_open(&src, iterable) < 0) {
        source_close(&src);
        PyMem_Free(L.starts.at);
        return NULL;
    }
    L.kind = PyUnicode_KIND(joined);
    L.data = PyUnicode_DATA(joined);
    L.n = PyUnicode_GET_LENGTH(joined);
    Py_ssize_t end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(&src, &end, &value, &item)) == 1) {
        rc = fn(&L, end, value);
        Py_XDECREF(item);
        if (rc < 0)
            break;
    }
    source_close(&src);
    PyMem_Free(L.starts.at);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* word_hits(source, joined, starts, hits): hits of the whole-word automaton, whose values
 * are (length, prefix, items); see Matcher.find_in_keys. */
static int word_hit(const loop_t *L, Py_ssize_t end, PyObject *value) {
    Py_ssize_t length;
    int prefix;
    if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 3) {
        PyErr_SetString(PyExc_TypeError, "word automaton values must be (length, prefix, items)");
        return -1;
    }
    if ((length = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 0))) == -1 && PyErr_Occurred())
        return -1;
    if ((prefix = PyObject_IsTrue(PyTuple_GET_ITEM(value, 1))) < 0)
        return -1;
    Py_ssize_t start = end - length + 1; /* the leading space, in spaced = the start in joined */
    Py_ssize_t doc = doc_of(&L->starts, start), base = doc >= 0 ? L->starts.at[doc] : 0;
    Py_ssize_t ke = prefix ? word_end(L->data, L->kind, L->n, end) : end - 1;
    return add_items(L->hits, doc, PyTuple_GET_ITEM(value, 2), start - base, ke - base);
}

static PyObject *word_hits(PyObject *self, PyObject *args) {
    (void)self;
    return run_loop(args, word_hit);
}

/* other_hits(source, joined, starts, hits): hits of the automaton over the key itself, whose
 * values are (form_key, word_start, word_end, variants), variants being (prefix, items). */
static int other_hit(const loop_t *L, Py_ssize_t end, PyObject *value) {
    int ws, we;
    if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 4 || !PyUnicode_Check(PyTuple_GET_ITEM(value, 0))) {
        PyErr_SetString(PyExc_TypeError, "automaton values must be (form_key, word_start, word_end, variants)");
        return -1;
    }
    if ((ws = PyObject_IsTrue(PyTuple_GET_ITEM(value, 1))) < 0 || (we = PyObject_IsTrue(PyTuple_GET_ITEM(value, 2))) < 0)
        return -1;
    Py_ssize_t start = end - PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(value, 0)) + 1;
    if (ws && start > 0 && is_word(PyUnicode_READ(L->kind, L->data, start - 1)))
        return 0;
    PyObject *variants = PySequence_Fast(PyTuple_GET_ITEM(value, 3), "variants must be a sequence");
    if (!variants)
        return -1;
    int exact_ok = !(we && end + 1 < L->n && is_word(PyUnicode_READ(L->kind, L->data, end + 1)));
    Py_ssize_t doc = doc_of(&L->starts, start), base = doc >= 0 ? L->starts.at[doc] : 0;
    int rc = 0;
    for (Py_ssize_t v = 0; rc >= 0 && v < PySequence_Fast_GET_SIZE(variants); v++) {
        PyObject *var = PySequence_Fast_GET_ITEM(variants, v);
        int prefix;
        if (!PyTuple_Check(var) || PyTuple_GET_SIZE(var) != 2) {
            PyErr_SetString(PyExc_TypeError, "variants must be (prefix, items) tuples");
            rc = -1;
        } else if ((prefix = PyObject_IsTrue(PyTuple_GET_ITEM(var, 0))) < 0) {
            rc = -1;
        } else if (prefix) {
            rc = add_items(L->hits, doc, PyTuple_GET_ITEM(var, 1), start - base,
                           word_end(L->data, L->kind, L->n, end + 1) - base);
        } else if (exact_ok) {
            rc = add_items(L->hits, doc, PyTuple_GET_ITEM(var, 1), start - base, end + 1 - base);
        }
    }
    Py_DECREF(variants);
    return rc;
}

static PyObject *other_hits(PyObject *self, PyObject *args) {
    (void)self;
    return run_loop(args, other_hit);
}

/* anchor_docs(source, starts, anchored): anchored[pattern_id].add(doc) for each hit, whose
 * value is a list of pattern ids; anchored maps every id to a set. */
static PyObject *anchor_docs(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *starts_o, *anchored;
    if (!PyArg_ParseTuple(args, "OO!O!", &iterable, &PyList_Type, &starts_o, &PyDict_Type, &anchored))
        return NULL;
    starts_t starts;
    if (starts_from(starts_o, &starts) < 0)
        return NULL;
    source_t src;
    if (source_open(&src, iterable) < 0) {
        source_close(&src);
        PyMem_Free(starts.at);
        return NULL;
    }
    Py_ssize_t end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(&src, &end, &value, &item)) == 1) {
        PyObject *ids = PySequence_Fast(value, "anchor values must be sequences of ids");
        PyObject *doc = ids ? PyLong_FromSsize_t(doc_of(&starts, end)) : NULL;
        if (!doc)
            rc = -1;
        for (Py_ssize_t i = 0; rc >= 0 && i < PySequence_Fast_GET_SIZE(ids); i++) {
            PyObject *docs = PyDict_GetItemWithError(anchored, PySequence_Fast_GET_ITEM(ids, i));
            if (!docs) {
                if (!PyErr_Occurred())
                    PyErr_SetString(PyExc_KeyError, "pattern id missing from anchored");
                rc = -1;
            } else if (PySet_Add(docs, doc) < 0) {
                rc = -1;
            }
        }
        Py_XDECREF(doc);
        Py_XDECREF(ids);
        Py_XDECREF(item);
        if (rc < 0)
            break;
    }
    source_close(&src);
    PyMem_Free(starts.at);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}


/* replace_words(source, s, trailing): the neutral-word replacement of neutral._replace_words.
 * Hits are (end, (form, repl)); a hit counts on word boundaries and when it does not overlap
 * the previous one; an empty repl also takes the characters of `trailing` right after it. */
static PyObject *replace_words(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *s, *trailing;
    if (!PyArg_ParseTuple(args, "OUU", &iterable, &s, &trailing))
        return NULL;
    source_t src;
    if (source_open(&src, iterable) < 0) {
        source_close(&src);
        return NULL;
    }
    PyObject *out = PyList_New(0);
    if (!out) {
        source_close(&src);
        return NULL;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), pos = 0, end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(&src, &end, &value, &item)) == 1) {
        if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(value, 0)) ||
            !PyUnicode_Check(PyTuple_GET_ITEM(value, 1))) {
            PyErr_SetString(PyExc_TypeError, "automaton values must be (form, replacement) strs");
            rc = -1;
        } else {
            PyObject *repl = PyTuple_GET_ITEM(value, 1);
            Py_ssize_t start = end - PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(value, 0)) + 1;
            if (!(start < pos || (start > 0 && is_word(PyUnicode_READ(kind, data, start - 1))) ||
                  (end + 1 < n && is_word(PyUnicode_READ(kind, data, end + 1))))) {
                Py_ssize_t b = end + 1;
                if (PyUnicode_GET_LENGTH(repl) == 0)
                    while (b < n && PyUnicode_FindChar(trailing, PyUnicode_READ(kind, data, b), 0,
                                                       PyUnicode_GET_LENGTH(trailing), 1) >= 0)
                        b++;
                PyObject *head = PyUnicode_Substring(s, pos, start);
                if (!head || PyList_Append(out, head) < 0 || PyList_Append(out, repl) < 0)
                    rc = -1;
                Py_XDECREF(head);
                pos = b;
            }
        }
        Py_XDECREF(item);
        if (rc < 0)
            break;
    }
    source_close(&src);
    if (rc < 0) {
        Py_DECREF(out);
        return NULL;
    }
    if (PyList_GET_SIZE(out) == 0) {
        Py_DECREF(out);
        Py_INCREF(s);
        return s;
    }
    PyObject *tail = PyUnicode_Substring(s, pos, n);
    if (!tail || PyList_Append(out, tail) < 0) {
        Py_XDECREF(tail);
        Py_DECREF(out);
        return NULL;
    }
    Py_DECREF(tail);
    PyObject *empty = PyUnicode_New(0, 0);
    PyObject *res = empty ? PyUnicode_Join(empty, out) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(out);
    return res;
}

/* evidence(key, hits): detector._evidence: "form [signal]; ..." in span order, leaving out a hit
 * inside a longer kept hit of the same signal, and repeated strings. */
typedef struct {
    Py_ssize_t ks, ke, idx;
    PyObject *signal; /* borrowed from the hit's entry, kept alive by `signals` */
} ev_t;

static int ev_before(const ev_t *a, const ev_t *b) {
    if (a->ks != b->ks)
        return a->ks < b->ks;
    if (a->ke != b->ke)
        return a->ke > b->ke;
    return a->idx < b->idx;
}

static PyObject *str_signal, *str_sep;

/* "form [signal]" for each kept span (repeats left out) joined by "; ", in one string */
static int same_piece(PyObject *key, const ev_t *a, const ev_t *b) {
    if (a->ke - a->ks != b->ke - b->ks || PyUnicode_Compare(a->signal, b->signal) != 0)
        return 0;
    int kind = PyUnicode_KIND(key);
    const void *data = PyUnicode_DATA(key);
    for (Py_ssize_t i = 0; i < a->ke - a->ks; i++)
        if (PyUnicode_READ(kind, data, a->ks + i) != PyUnicode_READ(kind, data, b->ks + i))
            return 0;
    return 1;
}

static PyObject *join_pieces(PyObject *key, ev_t *ev, Py_ssize_t kept) {
    int kind = PyUnicode_KIND(key);
    const void *data = PyUnicode_DATA(key);
    Py_ssize_t n_out = 0, length = 0;
    Py_UCS4 maxchar = 127;
    for (Py_ssize_t i = 0; i < kept; i++) { /* drop repeats, keeping the first */
        int seen = 0;
        for (Py_ssize_t j = 0; j < n_out && !seen; j++)
            seen = same_piece(key, &ev[j], &ev[i]);
        if (PyErr_Occurred())
            return NULL;
        if (seen)
            continue;
        ev[n_out++] = ev[i];
        length += (n_out > 1 ? 2 : 0) + (ev[i].ke - ev[i].ks) + 3 + PyUnicode_GET_LENGTH(ev[i].signal);
        for (Py_ssize_t k = ev[i].ks; k < ev[i].ke; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            if (c > maxchar)
                maxchar = c;
        }
        if (PyUnicode_MAX_CHAR_VALUE(ev[i].signal) > maxchar) {
            Py_UCS4 m = 0; /* the signal's own widest character */
            for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(ev[i].signal); k++) {
                Py_UCS4 c = PyUnicode_READ_CHAR(ev[i].signal, k);
                if (c > m)
                    m = c;
            }
            if (m > maxchar)
                maxchar = m;
        }
    }
    PyObject *out = PyUnicode_New(length, maxchar);
    if (!out)
        return NULL;
    int okind = PyUnicode_KIND(out);
    void *odata = PyUnicode_DATA(out);
    Py_ssize_t o = 0;
    for (Py_ssize_t i = 0; i < n_out; i++) {
        if (i) {
            PyUnicode_WRITE(okind, odata, o++, ';');
            PyUnicode_WRITE(okind, odata, o++, ' ');
        }
        for (Py_ssize_t k = ev[i].ks; k < ev[i].ke; k++)
            PyUnicode_WRITE(okind, odata, o++, PyUnicode_READ(kind, data, k));
        PyUnicode_WRITE(okind, odata, o++, ' ');
        PyUnicode_WRITE(okind, odata, o++, '[');
        for (Py_ssize_t k = 0; k < PyUnicode_GET_LENGTH(ev[i].signal); k++)
            PyUnicode_WRITE(okind, odata, o++, PyUnicode_READ_CHAR(ev[i].signal, k));
        PyUnicode_WRITE(okind, odata, o++, ']');
    }
    return out;
}

static PyObject *evidence(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *key, *hits;
    if (!PyArg_ParseTuple(args, "UO!", &key, &PyList_Type, &hits))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(hits);
    if (n == 0)
        return PyUnicode_New(0, 0);
    ev_t *ev = PyMem_Malloc(sizeof(ev_t) * n);
    PyObject *signals = PyList_New(0), *pieces = PyList_New(0), *res = NULL;
    if (!ev || !signals || !pieces) {
        if (!ev)
            PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *hit = PyList_GET_ITEM(hits, i);
        if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) != 4) {
            PyErr_SetString(PyExc_TypeError, "hits must be (entry, form, key_start, key_end)");
            goto done;
        }
        PyObject *signal = PyObject_GetAttr(PyTuple_GET_ITEM(hit, 0), str_signal);
        if (!signal)
            goto done;
        int bad = PyList_Append(signals, signal);
        Py_DECREF(signal);
        if (bad < 0)
            goto done;
        ev[i].signal = signal;
        ev[i].ks = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 2));
        ev[i].ke = PyLong_AsSsize_t(PyTuple_GET_ITEM(hit, 3));
        ev[i].idx = i;
        if (PyErr_Occurred())
            goto done;
    }
    for (Py_ssize_t i = 1; i < n; i++) { /* insertion sort: a text has a handful of hits */
        ev_t x = ev[i];
        Py_ssize_t j = i - 1;
        while (j >= 0 && ev_before(&x, &ev[j])) {
            ev[j + 1] = ev[j];
            j--;
        }
        ev[j + 1] = x;
    }
    Py_ssize_t kept = 0, key_len = PyUnicode_GET_LENGTH(key); /* kept spans move to the front of ev */
    int plain = 1; /* spans inside the key and str signals: the string is written in one go */
    for (Py_ssize_t i = 0; i < n; i++) {
        ev_t h = ev[i];
        int inside = 0;
        for (Py_ssize_t k = 0; k < kept && !inside; k++) {
            if (ev[k].ks <= h.ks && h.ke <= ev[k].ke) {
                int same = PyObject_RichCompareBool(ev[k].signal, h.signal, Py_EQ);
                if (same < 0)
                    goto done;
                inside = same;
            }
        }
        if (inside)
            continue;
        ev[kept++] = h;
        plain &= 0 <= h.ks && h.ks <= h.ke && h.ke <= key_len && PyUnicode_CheckExact(h.signal);
    }
    if (plain) {
        res = join_pieces(key, ev, kept);
        goto done;
    }
    for (Py_ssize_t i = 0; i < kept; i++) {
        ev_t h = ev[i];
        PyObject *form = PySequence_GetSlice(key, h.ks, h.ke);
        PyObject *piece = form ? PyUnicode_FromFormat("%U [%S]", form, h.signal) : NULL;
        Py_XDECREF(form);
        if (!piece)
            goto done;
        int seen = PySequence_Contains(pieces, piece);
        int bad = seen < 0 || (!seen && PyList_Append(pieces, piece) < 0);
        Py_DECREF(piece);
        if (bad)
            goto done;
    }
    res = PyUnicode_Join(str_sep, pieces);
done:
    PyMem_Free(ev);
    Py_XDECREF(signals);
    Py_XDECREF(pieces);
    return res;
}


/* bounded_hits(source, text) -> [(start, end, value), ...]: the hits of an automaton of literals whose
 * values are (left, right, length, ...), kept where a word boundary stands before the key (if
 * left) and after it (if right). Here a boundary is anything but an ASCII letter, digit or '_'
 * next to the key. Where the key's edge is an ASCII word character, any \b that agrees with
 * ASCII on ASCII implies this one, so a gate built on these hits is never narrower than the
 * regex gate it replaces (the privacy scrubber's gates). */
static inline int ascii_word(Py_UCS4 c) {
    return c < 128 && (c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z'));
}

static PyObject *bounded_hits(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *spec, *text;
    if (!PyArg_ParseTuple(args, "OU", &spec, &text))
        return NULL;
    source_t src;
    if (source_open(&src, spec) < 0) {
        source_close(&src);
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), end;
    PyObject *out = PyList_New(0), *value, *item;
    int rc = out ? 0 : -1;
    while (rc == 0 && (rc = next_hit(&src, &end, &value, &item)) == 1) {
        rc = 0;
        Py_ssize_t length;
        int left, right;
        if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) < 3 || (left = PyObject_IsTrue(PyTuple_GET_ITEM(value, 0))) < 0 ||
            (right = PyObject_IsTrue(PyTuple_GET_ITEM(value, 1))) < 0 ||
            ((length = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 2))) == -1 && PyErr_Occurred())) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_TypeError, "values must be (left, right, length, ...)");
            rc = -1;
            break;
        }
        Py_ssize_t start = end - length + 1;
        if (left && start > 0 && ascii_word(PyUnicode_READ(kind, data, start - 1)))
            continue;
        if (right && end + 1 < n && ascii_word(PyUnicode_READ(kind, data, end + 1)))
            continue;
        PyObject *hit = Py_BuildValue("(nnO)", start, end + 1, value);
        if (!hit || PyList_Append(out, hit) < 0)
            rc = -1;
        Py_XDECREF(hit);
    }
    source_close(&src);
    if (rc < 0) {
        Py_XDECREF(out);
        return NULL;
    }
    return out;
}


/* hit_entries(hits, index) -> (docs, entries): for every hit of every text (hits[doc] is a list
 * of (entry, form, ks, ke)), the text's index and index[entry.id] (-1 where absent), as two
 * native int64 buffers (numpy.frombuffer reads them). RuleEngine.evidence's loop, in C. */
static PyObject *str_id;

static PyObject *hit_entries(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *hits, *index;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &hits, &PyDict_Type, &index))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(hits), total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *h = PyList_GET_ITEM(hits, i);
        if (!PyList_Check(h)) {
            PyErr_SetString(PyExc_TypeError, "hits must be a list of lists");
            return NULL;
        }
        total += PyList_GET_SIZE(h);
    }
    PyObject *docs = PyBytes_FromStringAndSize(NULL, total * (Py_ssize_t)sizeof(int64_t));
    PyObject *ents = PyBytes_FromStringAndSize(NULL, total * (Py_ssize_t)sizeof(int64_t));
    if (!docs || !ents)
        goto fail;
    int64_t *d = (int64_t *)PyBytes_AS_STRING(docs), *e = (int64_t *)PyBytes_AS_STRING(ents);
    Py_ssize_t k = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *h = PyList_GET_ITEM(hits, i);
        for (Py_ssize_t j = 0; j < PyList_GET_SIZE(h); j++, k++) {
            PyObject *hit = PyList_GET_ITEM(h, j);
            if (!PyTuple_Check(hit) || PyTuple_GET_SIZE(hit) < 1) {
                PyErr_SetString(PyExc_TypeError, "hits must be (entry, form, key_start, key_end)");
                goto fail;
            }
            PyObject *id = PyObject_GetAttr(PyTuple_GET_ITEM(hit, 0), str_id);
            if (!id)
                goto fail;
            PyObject *v = PyDict_GetItemWithError(index, id);
            Py_DECREF(id);
            if (!v && PyErr_Occurred())
                goto fail;
            d[k] = i;
            e[k] = v ? PyLong_AsLongLong(v) : -1;
            if (e[k] == -1 && PyErr_Occurred())
                goto fail;
        }
    }
    return Py_BuildValue("(NN)", docs, ents);
fail:
    Py_XDECREF(docs);
    Py_XDECREF(ents);
    return NULL;
}

static PyMethodDef methods[] = {
    {"word_hits", word_hits, METH_VARARGS, "Hits of the whole-word automaton, into hits[doc]."},
    {"other_hits", other_hits, METH_VARARGS, "Hits of the automaton over the key, into hits[doc]."},
    {"anchor_docs", anchor_docs, METH_VARARGS, "The texts holding each pattern's required literals."},
    {"replace_words", replace_words, METH_VARARGS, "Whole-word replacements from automaton hits."},
    {"evidence", evidence, METH_VARARGS, "The evidence string of one text's hits."},
    {"ac_new", ac_new, METH_O, "An Aho-Corasick automaton of a list of str keys (a capsule)."},
    {"ac_find", ac_find, METH_VARARGS, "[(end, key index), ...] of an automaton's keys in a text."},
    {"hit_entries", hit_entries, METH_VARARGS, "Text and entry index of every hit, as int64 buffers."},
    {"bounded_hits", bounded_hits, METH_VARARGS, "Literal hits with ASCII word boundaries where asked."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hits", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__hits(void) {
    for (Py_UCS4 c = 0; c < 256; c++)
        latin1_word[c] = c == '_' || Py_UNICODE_ISALNUM(c);
    str_signal = PyUnicode_InternFromString("signal");
    str_sep = PyUnicode_InternFromString("; ");
    str_id = PyUnicode_InternFromString("id");
    if (!str_signal || !str_sep || !str_id)
        return NULL;
    return PyModule_Create(&module);
}
