/* The form matcher's per-hit loops (matcher.py), in C.
 *
 * The Aho-Corasick automata (pyahocorasick) find the forms; turning each of their hits into
 * (entry, form, key_start, key_end) for the right text of a batch was a Python loop that cost
 * more than the automata themselves. The Python functions in matcher.py (_word_hits_py,
 * _other_hits_py, _anchor_docs_py) are the reference; a property-based test checks that these
 * give the same hits.
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

static PyMethodDef methods[] = {
    {"word_hits", word_hits, METH_VARARGS, "Hits of the whole-word automaton, into hits[doc]."},
    {"other_hits", other_hits, METH_VARARGS, "Hits of the automaton over the key, into hits[doc]."},
    {"anchor_docs", anchor_docs, METH_VARARGS, "The texts holding each pattern's required literals."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_hits", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__hits(void) {
    for (Py_UCS4 c = 0; c < 256; c++)
        latin1_word[c] = c == '_' || Py_UNICODE_ISALNUM(c);
    return PyModule_Create(&module);
}
