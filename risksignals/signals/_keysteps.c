/* Steps 5-8 of the matching key (see normalize.py) in one C pass per step.
 *
 * The Python implementation in normalize.py is the reference; this module computes exactly
 * the same string (a property-based test compares the two on arbitrary Unicode) and only
 * exists because these regex passes dominate batch classification time.
 *
 * Character classes are those of Python's `re` module on str patterns, through the same
 * CPython functions it uses: `\w` minus `_` is Py_UNICODE_ISALNUM, `\d` is
 * Py_UNICODE_ISDECIMAL, `\s` is Py_UNICODE_ISSPACE.
 *
 *   separated  (?<![^\W_])U(?:\s?S\s?U){2,}(?![^\W_])  -> _join_units
 *   spaced     (?<!\S)U(?: U){3,}(?!\S)                 -> _join_units
 *   leet       a maximal run of units holding [0-9$@€]   -> _unleet_word
 *   repeats    runs of one letter / emoji / punctuation  -> one
 *   spaces     runs of whitespace                        -> " "
 *
 * U (a unit) is a letter or digit or one of $ @ €; S is one of . - _ * | / · • + ~ ,
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

typedef Py_UCS4 ch_t;

/* Latin-1 characters (nearly all of the text) look their classes up in a table filled at import
 * from the same CPython functions; the rest call those functions. */
enum { F_ALNUM = 1, F_ALPHA = 2, F_DECIMAL = 4, F_SPACE = 8, F_UPPER = 16 };
static unsigned char latin1[256];

static void fill_latin1(void) {
    for (ch_t c = 0; c < 256; c++)
        latin1[c] = (Py_UNICODE_ISALNUM(c) ? F_ALNUM : 0) | (Py_UNICODE_ISALPHA(c) ? F_ALPHA : 0) |
                    (Py_UNICODE_ISDECIMAL(c) ? F_DECIMAL : 0) | (Py_UNICODE_ISSPACE(c) ? F_SPACE : 0) |
                    (Py_UNICODE_ISUPPER(c) ? F_UPPER : 0);
}

static inline int is_alnum(ch_t c) { return c < 256 ? latin1[c] & F_ALNUM : Py_UNICODE_ISALNUM(c); }
static inline int is_alpha(ch_t c) { return c < 256 ? latin1[c] & F_ALPHA : Py_UNICODE_ISALPHA(c); }
static inline int is_decimal(ch_t c) { return c < 256 ? latin1[c] & F_DECIMAL : Py_UNICODE_ISDECIMAL(c); }
static inline int is_space(ch_t c) { return c < 256 ? latin1[c] & F_SPACE : Py_UNICODE_ISSPACE(c); }
static inline int is_upper(ch_t c) { return c < 256 ? latin1[c] & F_UPPER : Py_UNICODE_ISUPPER(c); }
/* [^\W\d_] of re: a letter (or other non-decimal alphanumeric) */
static inline int is_letter(ch_t c) { return c != '_' && is_alnum(c) && !is_decimal(c); }
static inline int is_money(ch_t c) { return c == '$' || c == '@' || c == 0x20AC; }
static inline int is_unit(ch_t c) { return is_alnum(c) || is_money(c); }
static inline int is_sep(ch_t c) {
    switch (c) {
    case '.': case '-': case '_': case '*': case '|': case '/': case 0x00B7: case 0x2022:
    case '+': case '~': case ',':
        return 1;
    default:
        return 0;
    }
}
static inline int is_ascii_leet(ch_t c) {
    return (c >= '0' && c <= '9') || is_money(c);
}

/* _join_units: the units of s[a:b] ('_' and other non-units dropped) when they hold two or
 * more letters; otherwise the text unchanged. Appends to out, returns the new length. */
static Py_ssize_t join_units(const ch_t *s, Py_ssize_t a, Py_ssize_t b, ch_t *out, Py_ssize_t o) {
    Py_ssize_t letters = 0;
    for (Py_ssize_t i = a; i < b; i++)
        if (is_unit(s[i]) && is_alpha(s[i])) letters++;
    if (letters >= 2) {
        for (Py_ssize_t i = a; i < b; i++)
            if (is_unit(s[i])) out[o++] = s[i];
    } else {
        for (Py_ssize_t i = a; i < b; i++) out[o++] = s[i];
    }
    return o;
}

/* End of a match of (?<![^\W_])U(?:\s?S\s?U){2,}(?![^\W_]) starting at i, or -1 */
static Py_ssize_t separated_at(const ch_t *s, Py_ssize_t n, Py_ssize_t i) {
    if (!is_unit(s[i]) || (i > 0 && is_alnum(s[i - 1]))) return -1;
    Py_ssize_t j = i + 1, groups = 0, prev_end = -1;
    for (;;) {
        Py_ssize_t k = j;
        if (k < n && is_space(s[k]) && k + 1 < n && is_sep(s[k + 1])) k += 2;
        else if (k < n && is_sep(s[k])) k += 1;
        else break;
        if (k < n && is_space(s[k]) && k + 1 < n && is_unit(s[k + 1])) k += 2;
        else if (k < n && is_unit(s[k])) k += 1;
        else break;
        prev_end = j;
        j = k;
        groups++;
    }
    if (groups >= 2 && (j >= n || !is_alnum(s[j]))) return j;
    if (groups >= 3) return prev_end;  /* one group fewer: a space or separator follows */
    return -1;
}

/* End of a match of (?<!\S)U(?: U){3,}(?!\S) starting at i, or -1 */
static Py_ssize_t spaced_at(const ch_t *s, Py_ssize_t n, Py_ssize_t i) {
    if (!is_unit(s[i]) || (i > 0 && !is_space(s[i - 1]))) return -1;
    Py_ssize_t j = i + 1, groups = 0;
    while (j + 1 < n && s[j] == ' ' && is_unit(s[j + 1])) {
        j += 2;
        groups++;
    }
    if (groups >= 3 && (j >= n || is_space(s[j]))) return j;
    if (groups >= 4) return j - 2;  /* one group fewer: the space before the last unit follows */
    return -1;
}

/* pattern.sub(_join_units, s) for a pattern whose match at i ends at match_at(s, n, i) */
static Py_ssize_t sub_join_units(const ch_t *s, Py_ssize_t n, ch_t *out,
                                 Py_ssize_t (*match_at)(const ch_t *, Py_ssize_t, Py_ssize_t)) {
    Py_ssize_t o = 0, i = 0;
    while (i < n) {
        Py_ssize_t end = match_at(s, n, i);
        if (end > i) {
            o = join_units(s, i, end, out, o);
            i = end;
        } else {
            out[o++] = s[i++];
        }
    }
    return o;
}

/* _UNITLIKE.fullmatch: \d+L{1,3} | L{1,3}\d+ | \d{2,}.* | .*\d{2,}  (L = [^\W\d_]) */
static int unitlike(const ch_t *w, Py_ssize_t n) {
    if (n >= 2 && is_decimal(w[0]) && is_decimal(w[1])) return 1;
    if (n >= 2 && is_decimal(w[n - 1]) && is_decimal(w[n - 2])) return 1;
    Py_ssize_t d = 0;
    while (d < n && is_decimal(w[d])) d++;
    if (d >= 1) {
        Py_ssize_t rest = n - d;
        if (rest >= 1 && rest <= 3) {
            int ok = 1;
            for (Py_ssize_t i = d; i < n; i++)
                if (!is_alnum(w[i]) || is_decimal(w[i])) { ok = 0; break; }
            if (ok) return 1;
        }
        return 0;
    }
    Py_ssize_t l = 0;
    while (l < n && l < 4 && is_alnum(w[l]) && !is_decimal(w[l])) l++;
    if (l >= 1 && l <= 3 && l < n) {
        for (Py_ssize_t i = l; i < n; i++)
            if (!is_decimal(w[i])) return 0;
        return 1;
    }
    return 0;
}

static ch_t leet_of(ch_t c) {
    switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    case '$': return 's';
    case '@': return 'a';
    case 0x20AC: return 'e';
    default: return 0;
    }
}

/* _unleet_word on w[0:n], appended to out */
static Py_ssize_t unleet_word(const ch_t *w, Py_ssize_t n, ch_t *out, Py_ssize_t o) {
    Py_ssize_t alpha = 0;
    for (Py_ssize_t i = 0; i < n; i++) alpha += is_alpha(w[i]) ? 1 : 0;
    if (alpha == n || unitlike(w, n) || alpha < 2) {
        memcpy(out + o, w, n * sizeof(ch_t));
        return o + n;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        ch_t c = w[i], rep = leet_of(c);
        if (rep == 0) {
            out[o++] = c;
        } else if (is_money(c) && !(i > 0 && i < n - 1 && is_alpha(w[i - 1]) && is_alpha(w[i + 1]))) {
            out[o++] = c;
        } else {
            out[o++] = rep;
        }
    }
    return o;
}

/* (?<![^\W_])(?<![$@€])U*[0-9$@€]U* -> _unleet_word: every maximal run of units that holds a
 * leet character */
static Py_ssize_t step_leet(const ch_t *s, Py_ssize_t n, ch_t *out) {
    Py_ssize_t o = 0, i = 0;
    while (i < n) {
        if (!is_unit(s[i])) {
            out[o++] = s[i++];
            continue;
        }
        Py_ssize_t j = i;
        int leet = 0;
        while (j < n && is_unit(s[j])) {
            leet |= is_ascii_leet(s[j]);
            j++;
        }
        if (leet) {
            o = unleet_word(s + i, j - i, out, o);
        } else {
            memcpy(out + o, s + i, (j - i) * sizeof(ch_t));
            o += j - i;
        }
        i = j;
    }
    return o;
}

/* ([^\W\d_])\1+, (\p{Extended_Pictographic})\1+, ([^\w\s])\1+ -> \1, then \s\s+|[^\S ] -> " ".
 * The three repeat steps touch disjoint characters and never create a new run, so one pass
 * collapses every run of one character that is not a digit, '_' or whitespace; every
 * Extended_Pictographic character is such a character. A whitespace run becomes one space. */
static Py_ssize_t step_repeats_spaces(const ch_t *s, Py_ssize_t n, ch_t *out) {
    Py_ssize_t o = 0, i = 0;
    while (i < n) {
        ch_t c = s[i];
        if (is_space(c)) {
            while (i < n && is_space(s[i])) i++;
            out[o++] = ' ';
        } else if (c != '_' && !is_decimal(c)) {
            while (i < n && s[i] == c) i++;
            out[o++] = c;
        } else {
            out[o++] = c;
            i++;
        }
    }
    return o;
}

/* Run fn over a UCS4 copy of str arg (with a scratch buffer as long) and return the result. */
static PyObject *run_ucs4(PyObject *arg, const char *name,
                          Py_ssize_t (*fn)(ch_t *a, ch_t *b, Py_ssize_t n)) {
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s() needs a str", name);
        return NULL;
    }
    Py_ssize_t n = PyUnicode_GetLength(arg);
    ch_t *a = PyUnicode_AsUCS4Copy(arg);
    if (a == NULL) return NULL;
    ch_t *b = PyMem_Malloc((n + 1) * sizeof(ch_t));
    if (b == NULL) {
        PyMem_Free(a);
        return PyErr_NoMemory();
    }
    Py_ssize_t m;
    Py_BEGIN_ALLOW_THREADS
    m = fn(a, b, n);
    Py_END_ALLOW_THREADS
    PyObject *res = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, m);
    PyMem_Free(a);
    PyMem_Free(b);
    return res;
}

/* All four steps; the result ends in a. No step makes text longer (join_units only drops
 * characters, unleet_word keeps the length), so n characters of room always suffice. */
static Py_ssize_t all_steps(ch_t *a, ch_t *b, Py_ssize_t n) {
    Py_ssize_t m = sub_join_units(a, n, b, separated_at);
    m = sub_join_units(b, m, a, spaced_at);
    m = step_leet(a, m, b);
    return step_repeats_spaces(b, m, a);
}

/* re.sub(r"\W", " ", s): every character that is not a letter, digit or '_' becomes a space */
static Py_ssize_t words_only_fn(ch_t *a, ch_t *b, Py_ssize_t n) {
    (void)b;
    for (Py_ssize_t i = 0; i < n; i++)
        if (a[i] != '_' && !is_alnum(a[i])) a[i] = ' ';
    return n;
}

static PyObject *key_steps(PyObject *self, PyObject *arg) {
    (void)self;
    return run_ucs4(arg, "key_steps", all_steps);
}

static PyObject *words_only(PyObject *self, PyObject *arg) {
    (void)self;
    return run_ucs4(arg, "words_only", words_only_fn);
}


/* name_candidates(text) -> (words, capitalised, spans), for neutral.mask_capitalised_names:
 *   words        len(re.findall(r"[^\W\d_]{2,}", text))
 *   capitalised  how many of those start with a character that isupper()
 *   spans        (start, end) of each match of (?<=[\s,(«"'])[^\W\d_]+(?:-[^\W\d_]+)? (finditer)
 *                that starts with an isupper() character and whose part before '-' has 2 or
 *                more characters: the words that may be a name. */
static int after_opening(ch_t c) {
    return is_space(c) || c == ',' || c == '(' || c == 0x00AB || c == '"' || c == '\'';
}

static PyObject *name_candidates(PyObject *self, PyObject *arg) {
    (void)self;
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "name_candidates() needs a str");
        return NULL;
    }
    int kind = PyUnicode_KIND(arg);
    const void *data = PyUnicode_DATA(arg);
    Py_ssize_t n = PyUnicode_GET_LENGTH(arg), words = 0, capitalised = 0;
    for (Py_ssize_t i = 0; i < n;) { /* maximal letter runs of 2 or more */
        if (!is_letter(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t j = i + 1;
        while (j < n && is_letter(PyUnicode_READ(kind, data, j)))
            j++;
        if (j - i >= 2) {
            words++;
            capitalised += is_upper(PyUnicode_READ(kind, data, i)) ? 1 : 0;
        }
        i = j;
    }
    PyObject *spans = PyList_New(0);
    if (!spans)
        return NULL;
    for (Py_ssize_t i = 1; i < n;) {
        if (!is_letter(PyUnicode_READ(kind, data, i)) || !after_opening(PyUnicode_READ(kind, data, i - 1))) {
            i++;
            continue;
        }
        Py_ssize_t head = i + 1;
        while (head < n && is_letter(PyUnicode_READ(kind, data, head)))
            head++;
        Py_ssize_t end = head;
        if (end + 1 < n && PyUnicode_READ(kind, data, end) == '-' && is_letter(PyUnicode_READ(kind, data, end + 1))) {
            end += 2;
            while (end < n && is_letter(PyUnicode_READ(kind, data, end)))
                end++;
        }
        if (head - i >= 2 && is_upper(PyUnicode_READ(kind, data, i))) {
            PyObject *span = Py_BuildValue("(nn)", i, end);
            if (!span || PyList_Append(spans, span) < 0) {
                Py_XDECREF(span);
                Py_DECREF(spans);
                return NULL;
            }
            Py_DECREF(span);
        }
        i = end;
    }
    PyObject *res = Py_BuildValue("(nnN)", words, capitalised, spans);
    return res;
}

static PyMethodDef methods[] = {
    {"words_only", words_only, METH_O, "re.sub(r'\\W', ' ', s), in C."},
    {"name_candidates", name_candidates, METH_O, "Word counts and the words that may be names (neutral.py)."},
    {"key_steps", key_steps, METH_O,
     "Steps 5-8 of the matching key (separators, spaced letters, leetspeak, repeats, spaces)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_keysteps", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__keysteps(void) {
    fill_latin1();
    return PyModule_Create(&module);
}
