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

/* (end, value) from an automaton iterator; 1: got one, 0: exhausted, -1: error */
static int next_hit(PyObject *it, Py_ssize_t *end, PyObject **value, PyObject **item) {
    *item = PyIter_Next(it);
    if (!*item)
        return PyErr_Occurred() ? -1 : 0;
    if (!PyTuple_Check(*item) || PyTuple_GET_SIZE(*item) != 2) {
        Py_DECREF(*item);
        PyErr_SetString(PyExc_TypeError, "automaton hits must be (end, value)");
        return -1;
    }
    *end = PyLong_AsSsize_t(PyTuple_GET_ITEM(*item, 0));
    *value = PyTuple_GET_ITEM(*item, 1);
    if (*end == -1 && PyErr_Occurred()) {
        Py_DECREF(*item);
        return -1;
    }
    return 1;
}

/* word_hits(iterator, joined, starts, hits): hits of the whole-word automaton, whose values
 * are (length, prefix, items); see Matcher.find_in_keys. */
static PyObject *word_hits(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *joined, *starts_o, *hits;
    if (!PyArg_ParseTuple(args, "OUO!O!", &iterable, &joined, &PyList_Type, &starts_o, &PyList_Type, &hits))
        return NULL;
    starts_t starts;
    if (starts_from(starts_o, &starts) < 0)
        return NULL;
    PyObject *it = PyObject_GetIter(iterable);
    if (!it) {
        PyMem_Free(starts.at);
        return NULL;
    }
    int kind = PyUnicode_KIND(joined);
    const void *data = PyUnicode_DATA(joined);
    Py_ssize_t n = PyUnicode_GET_LENGTH(joined), end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(it, &end, &value, &item)) == 1) {
        Py_ssize_t length, ks, ke, doc;
        int prefix;
        if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 3) {
            PyErr_SetString(PyExc_TypeError, "word automaton values must be (length, prefix, items)");
            rc = -1;
        } else if ((length = PyLong_AsSsize_t(PyTuple_GET_ITEM(value, 0))) == -1 && PyErr_Occurred()) {
            rc = -1;
        } else if ((prefix = PyObject_IsTrue(PyTuple_GET_ITEM(value, 1))) < 0) {
            rc = -1;
        } else {
            Py_ssize_t start = end - length + 1; /* the leading space, in spaced = the start in joined */
            doc = doc_of(&starts, start);
            ks = start - (doc >= 0 ? starts.at[doc] : 0);
            ke = prefix ? word_end(data, kind, n, end) : end - 1;
            ke -= doc >= 0 ? starts.at[doc] : 0;
            rc = add_items(hits, doc, PyTuple_GET_ITEM(value, 2), ks, ke);
        }
        Py_DECREF(item);
        if (rc < 0)
            break;
    }
    Py_DECREF(it);
    PyMem_Free(starts.at);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* other_hits(iterator, joined, starts, hits): hits of the automaton over the key itself, whose
 * values are (form_key, word_start, word_end, variants), variants being (prefix, items). */
static PyObject *other_hits(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *joined, *starts_o, *hits;
    if (!PyArg_ParseTuple(args, "OUO!O!", &iterable, &joined, &PyList_Type, &starts_o, &PyList_Type, &hits))
        return NULL;
    starts_t starts;
    if (starts_from(starts_o, &starts) < 0)
        return NULL;
    PyObject *it = PyObject_GetIter(iterable);
    if (!it) {
        PyMem_Free(starts.at);
        return NULL;
    }
    int kind = PyUnicode_KIND(joined);
    const void *data = PyUnicode_DATA(joined);
    Py_ssize_t n = PyUnicode_GET_LENGTH(joined), end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(it, &end, &value, &item)) == 1) {
        PyObject *variants = NULL;
        int ws, we;
        if (!PyTuple_Check(value) || PyTuple_GET_SIZE(value) != 4 || !PyUnicode_Check(PyTuple_GET_ITEM(value, 0))) {
            PyErr_SetString(PyExc_TypeError, "automaton values must be (form_key, word_start, word_end, variants)");
            rc = -1;
        } else if ((ws = PyObject_IsTrue(PyTuple_GET_ITEM(value, 1))) < 0 ||
                   (we = PyObject_IsTrue(PyTuple_GET_ITEM(value, 2))) < 0) {
            rc = -1;
        } else if (!(variants = PySequence_Fast(PyTuple_GET_ITEM(value, 3), "variants must be a sequence"))) {
            rc = -1;
        } else {
            Py_ssize_t start = end - PyUnicode_GET_LENGTH(PyTuple_GET_ITEM(value, 0)) + 1;
            if (!(ws && start > 0 && is_word(PyUnicode_READ(kind, data, start - 1)))) {
                int exact_ok = !(we && end + 1 < n && is_word(PyUnicode_READ(kind, data, end + 1)));
                Py_ssize_t doc = doc_of(&starts, start);
                Py_ssize_t base = doc >= 0 ? starts.at[doc] : 0;
                for (Py_ssize_t v = 0; rc >= 0 && v < PySequence_Fast_GET_SIZE(variants); v++) {
                    PyObject *var = PySequence_Fast_GET_ITEM(variants, v);
                    int prefix;
                    if (!PyTuple_Check(var) || PyTuple_GET_SIZE(var) != 2) {
                        PyErr_SetString(PyExc_TypeError, "variants must be (prefix, items) tuples");
                        rc = -1;
                    } else if ((prefix = PyObject_IsTrue(PyTuple_GET_ITEM(var, 0))) < 0) {
                        rc = -1;
                    } else if (prefix) {
                        rc = add_items(hits, doc, PyTuple_GET_ITEM(var, 1), start - base,
                                       word_end(data, kind, n, end + 1) - base);
                    } else if (exact_ok) {
                        rc = add_items(hits, doc, PyTuple_GET_ITEM(var, 1), start - base, end + 1 - base);
                    }
                }
            }
        }
        Py_XDECREF(variants);
        Py_DECREF(item);
        if (rc < 0)
            break;
    }
    Py_DECREF(it);
    PyMem_Free(starts.at);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* anchor_docs(iterator, starts, anchored): anchored[pattern_id].add(doc) for each hit, whose
 * value is a list of pattern ids; anchored maps every id to a set. */
static PyObject *anchor_docs(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *starts_o, *anchored;
    if (!PyArg_ParseTuple(args, "OO!O!", &iterable, &PyList_Type, &starts_o, &PyDict_Type, &anchored))
        return NULL;
    starts_t starts;
    if (starts_from(starts_o, &starts) < 0)
        return NULL;
    PyObject *it = PyObject_GetIter(iterable);
    if (!it) {
        PyMem_Free(starts.at);
        return NULL;
    }
    Py_ssize_t end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(it, &end, &value, &item)) == 1) {
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
        Py_DECREF(item);
        if (rc < 0)
            break;
    }
    Py_DECREF(it);
    PyMem_Free(starts.at);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}


/* replace_words(iterator, s, trailing): the neutral-word replacement of neutral._replace_words.
 * Hits are (end, (form, repl)); a hit counts on word boundaries and when it does not overlap
 * the previous one; an empty repl also takes the characters of `trailing` right after it. */
static PyObject *replace_words(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *iterable, *s, *trailing;
    if (!PyArg_ParseTuple(args, "OUU", &iterable, &s, &trailing))
        return NULL;
    PyObject *it = PyObject_GetIter(iterable);
    if (!it)
        return NULL;
    PyObject *out = PyList_New(0);
    if (!out) {
        Py_DECREF(it);
        return NULL;
    }
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), pos = 0, end;
    PyObject *value, *item;
    int rc;
    while ((rc = next_hit(it, &end, &value, &item)) == 1) {
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
        Py_DECREF(item);
        if (rc < 0)
            break;
    }
    Py_DECREF(it);
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
    Py_ssize_t kept = 0; /* kept spans are moved to the front of ev */
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

static PyMethodDef methods[] = {
    {"word_hits", word_hits, METH_VARARGS, "Hits of the whole-word automaton, into hits[doc]."},
    {"other_hits", other_hits, METH_VARARGS, "Hits of the automaton over the key, into hits[doc]."},
    {"anchor_docs", anchor_docs, METH_VARARGS, "The texts holding each pattern's required literals."},
    {"replace_words", replace_words, METH_VARARGS, "Whole-word replacements from automaton hits."},
    {"evidence", evidence, METH_VARARGS, "The evidence string of one text's hits."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hits", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__hits(void) {
    for (Py_UCS4 c = 0; c < 256; c++)
        latin1_word[c] = c == '_' || Py_UNICODE_ISALNUM(c);
    str_signal = PyUnicode_InternFromString("signal");
    str_sep = PyUnicode_InternFromString("; ");
    if (!str_signal || !str_sep)
        return NULL;
    return PyModule_Create(&module);
}
