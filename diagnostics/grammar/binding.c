/* Our binding for the tree-sitter-sourcepawn grammar.
 *
 * The grammar's C sources (parser.c, scanner.c) are fetched from the npm package at build
 * time (see setup.py); this file only hands py-tree-sitter a PyCapsule named
 * "tree_sitter.Language" that wraps the TSLanguage pointer, which is the interface
 * py-tree-sitter >= 0.22 expects (the integer pointer form is deprecated), and says which of our
 * patches (diagnostics/grammar/patches) the grammar was compiled with: `PATCHES`, set by setup.py
 * as "name,name@hash" ("" when none).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef SPCOPILOT_GRAMMAR_PATCHES
#define SPCOPILOT_GRAMMAR_PATCHES ""
#endif

typedef struct TSLanguage TSLanguage;

TSLanguage *tree_sitter_sourcepawn(void);

static PyObject *language(PyObject *self, PyObject *args) {
    (void)self;
    (void)args;
    return PyCapsule_New(tree_sitter_sourcepawn(), "tree_sitter.Language", NULL);
}

static PyMethodDef methods[] = {
    {"language", language, METH_NOARGS, "Return the SourcePawn grammar as a tree_sitter.Language capsule."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_sourcepawn",
    .m_doc = "tree-sitter-sourcepawn grammar (compiled from the pinned npm package)",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC PyInit__sourcepawn(void) {
    PyObject *m = PyModule_Create(&module);
    if (m != NULL && PyModule_AddStringConstant(m, "PATCHES", SPCOPILOT_GRAMMAR_PATCHES) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
