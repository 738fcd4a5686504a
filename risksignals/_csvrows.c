/* CSV rows for ChunkWriter, in C: the same bytes as pandas' to_csv (Python's csv module,
 * QUOTE_MINIMAL, doublequote) for columns of str, int, float and missing values.
 *
 * Writing the output was the largest single cost of the batch job's main process (pandas
 * formats each field in Python). io.py checks the dtypes, calls this with plain Python lists
 * and falls back to to_csv for anything else; a property-based test compares the bytes.
 *
 *   render(columns, header, sep, lineterminator, quote_chars, na) -> bytes (UTF-8)
 *
 * columns: list of equally long lists; header: list of str or None; quote_chars: the ASCII
 * characters that make a field quoted (io.py asks the csv module which); na: an object written
 * as an empty field (pandas.NA), as are None and float NaN. A row of one empty field is
 * written as "" (the csv module does that, so the row is not blank).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} buf_t;

static int buf_reserve(buf_t *b, Py_ssize_t extra) {
    if (b->len + extra <= b->cap)
        return 0;
    Py_ssize_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + extra)
        cap *= 2;
    char *p = PyMem_Realloc(b->data, cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

static int buf_put(buf_t *b, const char *s, Py_ssize_t n) {
    if (buf_reserve(b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

/* one field, quoted when it holds a trigger character */
static int put_field(buf_t *b, const char *s, Py_ssize_t n, const unsigned char *trig) {
    Py_ssize_t quotes = 0;
    int quote = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (trig[c]) {
            quote = 1;
            if (c == '"')
                quotes++;
        }
    }
    if (!quote)
        return buf_put(b, s, n);
    if (buf_reserve(b, n + quotes + 2) < 0)
        return -1;
    char *out = b->data + b->len;
    *out++ = '"';
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] == '"')
            *out++ = '"';
        *out++ = s[i];
    }
    *out++ = '"';
    b->len = out - b->data;
    return 0;
}

/* a str as UTF-8; characters that cannot be encoded (lone surrogates) become '?' */
static int put_str(buf_t *b, PyObject *s, const unsigned char *trig) {
    Py_ssize_t n;
    const char *u = PyUnicode_AsUTF8AndSize(s, &n);
    if (u)
        return put_field(b, u, n, trig);
    PyErr_Clear();
    PyObject *enc = PyUnicode_AsEncodedString(s, "utf-8", "replace");
    if (!enc)
        return -1;
    int r = put_field(b, PyBytes_AS_STRING(enc), PyBytes_GET_SIZE(enc), trig);
    Py_DECREF(enc);
    return r;
}

/* repr(float), with a small cache: scores repeat a few values (0.0, 0.24 ...) */
#define FLOAT_CACHE 256
static struct {
    double x;
    char s[32];
    int n;
} float_cache[FLOAT_CACHE];

static int put_float(buf_t *b, double x, const unsigned char *trig) {
    uint64_t bits;
    memcpy(&bits, &x, sizeof bits);
    size_t slot = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 56) % FLOAT_CACHE;
    if (float_cache[slot].n && memcmp(&float_cache[slot].x, &x, sizeof x) == 0)
        return put_field(b, float_cache[slot].s, float_cache[slot].n, trig);
    char *r = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!r)
        return -1;
    size_t n = strlen(r);
    int res = put_field(b, r, (Py_ssize_t)n, trig);
    if (n < sizeof float_cache[slot].s) {
        float_cache[slot].x = x;
        memcpy(float_cache[slot].s, r, n);
        float_cache[slot].n = (int)n;
    }
    PyMem_Free(r);
    return res;
}

/* 1: written as empty, 0: written, -1: error */
static int put_value(buf_t *b, PyObject *v, PyObject *na, const unsigned char *trig) {
    if (PyUnicode_Check(v)) {
        if (PyUnicode_GET_LENGTH(v) == 0)
            return 1;
        return put_str(b, v, trig) < 0 ? -1 : 0;
    }
    if (v == Py_None || v == na)
        return 1;
    if (PyFloat_Check(v)) {
        double x = PyFloat_AS_DOUBLE(v);
        if (isnan(x))
            return 1;
        return put_float(b, x, trig) < 0 ? -1 : 0;
    }
    if (PyBool_Check(v)) /* as str() writes it, and pandas */
        return put_field(b, v == Py_True ? "True" : "False", v == Py_True ? 4 : 5, trig) < 0 ? -1 : 0;
    if (PyLong_Check(v)) {
        int overflow;
        long x = PyLong_AsLongAndOverflow(v, &overflow);
        if (x == -1 && PyErr_Occurred())
            return -1;
        if (!overflow) {
            char num[32];
            int n = snprintf(num, sizeof num, "%ld", x);
            return put_field(b, num, n, trig) < 0 ? -1 : 0;
        }
        PyObject *s = PyObject_Str(v);
        if (!s)
            return -1;
        int res = put_str(b, s, trig);
        Py_DECREF(s);
        return res < 0 ? -1 : 0;
    }
    PyErr_Format(PyExc_TypeError, "cannot render %.100s", Py_TYPE(v)->tp_name);
    return -1;
}

static int put_row(buf_t *b, PyObject **items, Py_ssize_t ncols, PyObject *na, const char *sep,
                   const char *eol, Py_ssize_t eol_len, const unsigned char *trig) {
    for (Py_ssize_t j = 0; j < ncols; j++) {
        if (j && buf_put(b, sep, 1) < 0)
            return -1;
        int r = put_value(b, items[j], na, trig);
        if (r < 0)
            return -1;
        if (r == 1 && ncols == 1 && buf_put(b, "\"\"", 2) < 0)
            return -1;
    }
    return buf_put(b, eol, eol_len);
}

static const char *ascii_arg(PyObject *s, const char *what, Py_ssize_t *n) {
    if (!PyUnicode_Check(s) || !PyUnicode_IS_ASCII(s)) {
        PyErr_Format(PyExc_ValueError, "%s must be an ASCII str", what);
        return NULL;
    }
    return PyUnicode_AsUTF8AndSize(s, n);
}

static PyObject *render(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *columns, *header, *sep_o, *eol_o, *quote_o, *na;
    if (!PyArg_ParseTuple(args, "O!OUUUO", &PyList_Type, &columns, &header, &sep_o, &eol_o, &quote_o, &na))
        return NULL;
    Py_ssize_t sep_len, eol_len, quote_len;
    const char *sep = ascii_arg(sep_o, "sep", &sep_len);
    const char *eol = sep ? ascii_arg(eol_o, "lineterminator", &eol_len) : NULL;
    const char *quote = eol ? ascii_arg(quote_o, "quote_chars", &quote_len) : NULL;
    if (!quote)
        return NULL;
    if (sep_len != 1) {
        PyErr_SetString(PyExc_ValueError, "sep must be one character");
        return NULL;
    }
    unsigned char trig[256] = {0};
    for (Py_ssize_t i = 0; i < quote_len; i++)
        trig[(unsigned char)quote[i]] = 1;

    Py_ssize_t ncols = PyList_GET_SIZE(columns), nrows = -1;
    for (Py_ssize_t j = 0; j < ncols; j++) {
        PyObject *col = PyList_GET_ITEM(columns, j);
        if (!PyList_Check(col)) {
            PyErr_SetString(PyExc_TypeError, "columns must be lists");
            return NULL;
        }
        if (nrows < 0)
            nrows = PyList_GET_SIZE(col);
        else if (PyList_GET_SIZE(col) != nrows) {
            PyErr_SetString(PyExc_ValueError, "columns differ in length");
            return NULL;
        }
    }
    if (nrows < 0)
        nrows = 0;
    PyObject **items = PyMem_Malloc(sizeof(PyObject *) * (ncols ? ncols : 1));
    if (!items)
        return PyErr_NoMemory();
    buf_t b = {NULL, 0, 0};
    if (header != Py_None) {
        if (!PyList_Check(header) || PyList_GET_SIZE(header) != ncols) {
            PyErr_SetString(PyExc_ValueError, "header must be a list with one name per column");
            goto fail;
        }
        for (Py_ssize_t j = 0; j < ncols; j++) {
            items[j] = PyList_GET_ITEM(header, j);
            if (!PyUnicode_Check(items[j])) {
                PyErr_SetString(PyExc_TypeError, "header names must be str");
                goto fail;
            }
        }
        if (put_row(&b, items, ncols, na, sep, eol, eol_len, trig) < 0)
            goto fail;
    }
    for (Py_ssize_t i = 0; i < nrows; i++) {
        for (Py_ssize_t j = 0; j < ncols; j++)
            items[j] = PyList_GET_ITEM(PyList_GET_ITEM(columns, j), i);
        if (put_row(&b, items, ncols, na, sep, eol, eol_len, trig) < 0)
            goto fail;
    }
    PyMem_Free(items);
    PyObject *out = PyBytes_FromStringAndSize(b.data ? b.data : "", b.len);
    PyMem_Free(b.data);
    return out;
fail:
    PyMem_Free(items);
    PyMem_Free(b.data);
    return NULL;
}

static PyMethodDef methods[] = {
    {"render", render, METH_VARARGS,
     "render(columns, header, sep, lineterminator, quote_chars, na) -> CSV rows as UTF-8 bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_csvrows", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__csvrows(void) { return PyModule_Create(&module); }
