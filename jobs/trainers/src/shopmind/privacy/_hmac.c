/* HMAC-SHA256 of many short values in one call, for pseudonyms at ingest.
 *
 * Ingest hashes every distinct user and session id of each chunk (3.4M values for 10M events).
 * A loop in Python spends most of its time in the interpreter and holds the GIL, which stalls
 * the validation running beside it; DuckDB's sha256 cannot start from a keyed state, so it
 * does four compressions and four string conversions per value. Here OpenSSL hashes each
 * value from the two keyed states computed once (RFC 2104, section 4), two compressions a
 * value, with the GIL released: about a sixth of DuckDB's CPU time.
 *
 * digests(key, data, offsets, width) -> bytes
 *   key: the HMAC key (any length; longer than a block is hashed first, as RFC 2104 says)
 *   data: the values' bytes, back to back (an Arrow string array's data buffer)
 *   offsets: int32 native-endian, n + 1 entries; value i is data[offsets[i]:offsets[i + 1]]
 *   width: bytes kept of each 32-byte MAC (1..32)
 *   returns n * width bytes, value i's MAC prefix at [i * width, (i + 1) * width)
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#define BLOCK 64
#define MAC 32

/* The digest contexts after absorbing key ^ ipad and key ^ opad. */
static int keyed_states(const unsigned char *key, Py_ssize_t key_len, EVP_MD_CTX *inner,
                        EVP_MD_CTX *outer) {
    unsigned char block[BLOCK] = {0}, pad[BLOCK];
    unsigned int len = 0;
    const EVP_MD *md = EVP_sha256();
    if (key_len > BLOCK) {
        if (!EVP_Digest(key, (size_t)key_len, block, &len, md, NULL)) return 0;
    } else {
        memcpy(block, key, (size_t)key_len);
    }
    for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x36;
    if (!EVP_DigestInit_ex(inner, md, NULL) || !EVP_DigestUpdate(inner, pad, BLOCK)) return 0;
    for (int i = 0; i < BLOCK; i++) pad[i] = block[i] ^ 0x5c;
    if (!EVP_DigestInit_ex(outer, md, NULL) || !EVP_DigestUpdate(outer, pad, BLOCK)) return 0;
    return 1;
}

/* 1 when every value lies inside the data and the offsets never go back. */
static int offsets_valid(const int32_t *off, Py_ssize_t n, Py_ssize_t data_len) {
    if (off[0] < 0) return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (off[i + 1] < off[i]) return 0;
    return off[n] <= data_len;
}

static PyObject *digests(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer key, data, offsets;
    int width;
    if (!PyArg_ParseTuple(args, "y*y*y*i", &key, &data, &offsets, &width)) return NULL;
    PyObject *out = NULL;
    EVP_MD_CTX *inner = EVP_MD_CTX_new(), *outer = EVP_MD_CTX_new(), *work = EVP_MD_CTX_new();
    Py_ssize_t n = offsets.len / (Py_ssize_t)sizeof(int32_t) - 1;
    const int32_t *off = (const int32_t *)offsets.buf;
    if (width < 1 || width > MAC) {
        PyErr_Format(PyExc_ValueError, "width must be 1..%d bytes, got %d", MAC, width);
        goto done;
    }
    if (offsets.len % (Py_ssize_t)sizeof(int32_t) != 0 || n < 0) {
        PyErr_SetString(PyExc_ValueError, "offsets must hold n + 1 int32 values");
        goto done;
    }
    if ((uintptr_t)offsets.buf % sizeof(int32_t) != 0) {
        PyErr_SetString(PyExc_ValueError, "offsets must be aligned to 4 bytes");
        goto done;
    }
    if (!offsets_valid(off, n, data.len)) {
        PyErr_SetString(PyExc_ValueError, "offsets must rise and stay inside data");
        goto done;
    }
    if (inner == NULL || outer == NULL || work == NULL ||
        !keyed_states((const unsigned char *)key.buf, key.len, inner, outer)) {
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL could not set up SHA-256");
        goto done;
    }
    out = PyBytes_FromStringAndSize(NULL, n * width);
    if (out == NULL) goto done;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(out);
    const unsigned char *base = (const unsigned char *)data.buf;
    int ok = 1;
    Py_BEGIN_ALLOW_THREADS
    unsigned char mac[MAC];
    unsigned int len = 0;
    for (Py_ssize_t i = 0; i < n && ok; i++) {
        ok = EVP_MD_CTX_copy_ex(work, inner) &&
             EVP_DigestUpdate(work, base + off[i], (size_t)(off[i + 1] - off[i])) &&
             EVP_DigestFinal_ex(work, mac, &len) && EVP_MD_CTX_copy_ex(work, outer) &&
             EVP_DigestUpdate(work, mac, MAC) && EVP_DigestFinal_ex(work, mac, &len);
        memcpy(dst + i * width, mac, (size_t)width);
    }
    Py_END_ALLOW_THREADS
    if (!ok) {
        Py_CLEAR(out);
        PyErr_SetString(PyExc_RuntimeError, "OpenSSL failed while hashing");
    }
done:
    EVP_MD_CTX_free(inner);
    EVP_MD_CTX_free(outer);
    EVP_MD_CTX_free(work);
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    PyBuffer_Release(&offsets);
    return out;
}

static PyMethodDef methods[] = {
    {"digests", digests, METH_VARARGS,
     "digests(key, data, offsets, width) -> bytes: the first `width` bytes of HMAC-SHA256 "
     "under `key` of each value data[offsets[i]:offsets[i + 1]], back to back."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_hmac", "HMAC-SHA256 of many values at once (OpenSSL).", -1, methods,
};

PyMODINIT_FUNC PyInit__hmac(void) { return PyModule_Create(&module); }
