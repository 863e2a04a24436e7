/*
 * decode(codestream: Uint8Array, reduce: number) ->
 *   { width, height, components, precision, signed, data: Uint8Array | Uint16Array | Int16Array }
 *
 * Decodes a raw JPEG 2000 codestream (J2K, no JP2 box wrapper) from memory with the system's
 * libopenjp2, at resolution `reduce` (0 = full), single-threaded, and returns the samples
 * pixel-interleaved: 8-bit precision as Uint8Array, 9..16 bits as Uint16Array (Int16Array when
 * signed). OpenJPEG's error messages become the thrown Error's message (code "ERR_OPENJPEG"), and
 * so do its warnings (damaged tile data: the pixels it would return are wrong).
 *
 * No global state: the module is context-aware (NAPI_MODULE_INIT) and each call owns its codec,
 * stream and message buffer, so it can run in several worker_threads at once.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <node_api.h>
#include <openjpeg.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

/* ---------------------------------------------------------------- memory stream */

typedef struct {
  const unsigned char *data;
  OPJ_SIZE_T len;
  OPJ_SIZE_T pos;
} mem_stream;

static OPJ_SIZE_T mem_read(void *buf, OPJ_SIZE_T n, void *user) {
  mem_stream *m = (mem_stream *)user;
  if (m->pos >= m->len) return (OPJ_SIZE_T)-1; /* end of stream */
  OPJ_SIZE_T left = m->len - m->pos;
  if (n > left) n = left;
  memcpy(buf, m->data + m->pos, n);
  m->pos += n;
  return n;
}

static OPJ_OFF_T mem_skip(OPJ_OFF_T n, void *user) {
  mem_stream *m = (mem_stream *)user;
  if (n < 0) {
    if ((OPJ_SIZE_T)(-n) > m->pos) n = -(OPJ_OFF_T)m->pos;
  } else {
    if (m->pos >= m->len) return -1;
    if ((OPJ_SIZE_T)n > m->len - m->pos) n = (OPJ_OFF_T)(m->len - m->pos);
  }
  m->pos = (OPJ_SIZE_T)((OPJ_OFF_T)m->pos + n);
  return n;
}

static OPJ_BOOL mem_seek(OPJ_OFF_T to, void *user) {
  mem_stream *m = (mem_stream *)user;
  if (to < 0 || (OPJ_SIZE_T)to > m->len) return OPJ_FALSE;
  m->pos = (OPJ_SIZE_T)to;
  return OPJ_TRUE;
}

/* ---------------------------------------------------------------- messages */

typedef struct {
  char text[1024];
  size_t used;
} messages;

static void on_error(const char *msg, void *user) {
  messages *m = (messages *)user;
  size_t room = sizeof(m->text) - m->used;
  if (room <= 1 || msg == NULL) return;
  int n = snprintf(m->text + m->used, room, "%s%s", m->used ? " " : "", msg);
  if (n < 0) return;
  m->used += (size_t)n < room ? (size_t)n : room - 1;
  /* OpenJPEG's messages end with a newline: keep the text on one line. */
  while (m->used > 0 && (m->text[m->used - 1] == '\n' || m->text[m->used - 1] == ' ')) m->text[--m->used] = 0;
}

/* Warnings are kept apart: OpenJPEG warns (and goes on) when tile data is damaged. */
static void on_warning(const char *msg, void *user) { on_error(msg, user); }

static void on_quiet(const char *msg, void *user) {
  (void)msg;
  (void)user;
}

/* ---------------------------------------------------------------- helpers */

#define NAPI_OK(call)                                                                    \
  do {                                                                                   \
    if ((call) != napi_ok) {                                                             \
      const napi_extended_error_info *info__ = NULL;                                     \
      napi_get_last_error_info(env, &info__);                                            \
      bool pending__ = false;                                                            \
      napi_is_exception_pending(env, &pending__);                                        \
      if (!pending__)                                                                    \
        napi_throw_error(env, "ERR_OPENJPEG_NAPI",                                       \
                         info__ && info__->error_message ? info__->error_message          \
                                                         : "N-API call failed");          \
      goto done;                                                                         \
    }                                                                                    \
  } while (0)

static napi_status set_int(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_value val;
  napi_status s = napi_create_int64(env, v, &val);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, obj, key, val);
}

static napi_status set_bool(napi_env env, napi_value obj, const char *key, bool v) {
  napi_value val;
  napi_status s = napi_get_boolean(env, v, &val);
  if (s != napi_ok) return s;
  return napi_set_named_property(env, obj, key, val);
}

/* ---------------------------------------------------------------- decode */

static napi_value decode(napi_env env, napi_callback_info cb) {
  napi_value result = NULL;
  opj_codec_t *codec = NULL;
  opj_stream_t *stream = NULL;
  opj_image_t *image = NULL;
  messages msgs;
  messages warns;
  memset(&msgs, 0, sizeof(msgs));
  memset(&warns, 0, sizeof(warns));

  size_t argc = 2;
  napi_value argv[2];
  NAPI_OK(napi_get_cb_info(env, cb, &argc, argv, NULL, NULL));
  if (argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "decode(codestream, reduce) takes two arguments");
    goto done;
  }

  bool is_typed = false;
  NAPI_OK(napi_is_typedarray(env, argv[0], &is_typed));
  if (!is_typed) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "codestream must be a Uint8Array");
    goto done;
  }
  napi_typedarray_type ttype;
  size_t length = 0;
  void *bytes = NULL;
  NAPI_OK(napi_get_typedarray_info(env, argv[0], &ttype, &length, &bytes, NULL, NULL));
  if (ttype != napi_uint8_array) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "codestream must be a Uint8Array");
    goto done;
  }

  int32_t reduce = 0;
  napi_valuetype vt;
  NAPI_OK(napi_typeof(env, argv[1], &vt));
  if (vt != napi_number) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "reduce must be a number");
    goto done;
  }
  NAPI_OK(napi_get_value_int32(env, argv[1], &reduce));
  if (reduce < 0 || reduce > 32) {
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", "reduce must be an integer from 0 to 32");
    goto done;
  }

  mem_stream mem = {(const unsigned char *)bytes, length, 0};
  /* One chunk for the whole codestream: OpenJPEG copies it once through its stream buffer. */
  OPJ_SIZE_T chunk = length > 0 ? length : 1;
  if (chunk > OPJ_J2K_STREAM_CHUNK_SIZE * 16) chunk = OPJ_J2K_STREAM_CHUNK_SIZE * 16;
  stream = opj_stream_create(chunk, OPJ_TRUE);
  if (!stream) {
    napi_throw_error(env, "ERR_OPENJPEG", "OpenJPEG could not create a stream (out of memory)");
    goto done;
  }
  opj_stream_set_user_data(stream, &mem, NULL);
  opj_stream_set_user_data_length(stream, (OPJ_UINT64)length);
  opj_stream_set_read_function(stream, mem_read);
  opj_stream_set_skip_function(stream, mem_skip);
  opj_stream_set_seek_function(stream, mem_seek);

  codec = opj_create_decompress(OPJ_CODEC_J2K);
  if (!codec) {
    napi_throw_error(env, "ERR_OPENJPEG", "OpenJPEG could not create a decoder");
    goto done;
  }
  opj_set_error_handler(codec, on_error, &msgs);
  opj_set_warning_handler(codec, on_warning, &warns);
  opj_set_info_handler(codec, on_quiet, NULL);

  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  const char *fail = NULL;
  if (!opj_setup_decoder(codec, &params)) fail = "setting up the decoder failed";
  /* Single-threaded (0 = no thread pool): the caller runs one decode per worker thread. */
  else if (!opj_codec_set_threads(codec, 0)) fail = "setting the thread count failed";
  else if (!opj_read_header(stream, codec, &image)) fail = "reading the codestream header failed";
  else if (!opj_set_decoded_resolution_factor(codec, (OPJ_UINT32)reduce))
    fail = "setting the resolution level failed";
  else if (!opj_decode(codec, stream, image)) fail = "decoding failed";
  else if (!opj_end_decompress(codec, stream)) fail = "finishing the decode failed";
  if (fail) {
    char text[1200];
    snprintf(text, sizeof(text), "OpenJPEG: %s", msgs.used ? msgs.text : fail);
    napi_throw_error(env, "ERR_OPENJPEG", text);
    goto done;
  }
  /* A decode that warned produced pixels from damaged data: report it instead of the pixels. */
  if (warns.used) {
    char text[1200];
    snprintf(text, sizeof(text), "damaged tile data: %s", warns.text);
    napi_throw_error(env, "ERR_OPENJPEG", text);
    goto done;
  }

  OPJ_UINT32 nc = image->numcomps;
  if (nc == 0 || image->comps == NULL) {
    napi_throw_error(env, "ERR_OPENJPEG", "OpenJPEG: the image has no components");
    goto done;
  }
  const opj_image_comp_t *c0 = &image->comps[0];
  OPJ_UINT32 w = c0->w, h = c0->h, prec = c0->prec;
  bool sgnd = c0->sgnd != 0;
  for (OPJ_UINT32 c = 0; c < nc; c++) {
    const opj_image_comp_t *ci = &image->comps[c];
    if (ci->w != w || ci->h != h || ci->prec != prec || (ci->sgnd != 0) != sgnd || ci->data == NULL) {
      napi_throw_error(env, "ERR_OPENJPEG",
                       "OpenJPEG: components differ in size or sample type (or were not decoded)");
      goto done;
    }
  }
  if (prec == 0 || prec > 16) {
    char text[96];
    snprintf(text, sizeof(text), "OpenJPEG: %u-bit samples are not supported (1 to 16)", prec);
    napi_throw_error(env, "ERR_OPENJPEG", text);
    goto done;
  }

  size_t bps = prec > 8 ? 2 : 1;
  size_t pixels = (size_t)w * (size_t)h;
  size_t count = pixels * nc;
  void *out = NULL;
  napi_value ab, data;
  NAPI_OK(napi_create_arraybuffer(env, count * bps, &out, &ab));
  if (bps == 1) {
    unsigned char *o = (unsigned char *)out;
    for (OPJ_UINT32 c = 0; c < nc; c++) {
      const OPJ_INT32 *s = image->comps[c].data;
      for (size_t i = 0; i < pixels; i++) o[i * nc + c] = (unsigned char)s[i];
    }
    NAPI_OK(napi_create_typedarray(env, napi_uint8_array, count, ab, 0, &data));
  } else if (sgnd) {
    int16_t *o = (int16_t *)out;
    for (OPJ_UINT32 c = 0; c < nc; c++) {
      const OPJ_INT32 *s = image->comps[c].data;
      for (size_t i = 0; i < pixels; i++) o[i * nc + c] = (int16_t)s[i];
    }
    NAPI_OK(napi_create_typedarray(env, napi_int16_array, count, ab, 0, &data));
  } else {
    uint16_t *o = (uint16_t *)out;
    if (nc == 1) {
      const OPJ_INT32 *s = image->comps[0].data;
      for (size_t i = 0; i < pixels; i++) o[i] = (uint16_t)s[i];
    } else {
      for (OPJ_UINT32 c = 0; c < nc; c++) {
        const OPJ_INT32 *s = image->comps[c].data;
        for (size_t i = 0; i < pixels; i++) o[i * nc + c] = (uint16_t)s[i];
      }
    }
    NAPI_OK(napi_create_typedarray(env, napi_uint16_array, count, ab, 0, &data));
  }

  napi_value obj;
  NAPI_OK(napi_create_object(env, &obj));
  NAPI_OK(set_int(env, obj, "width", w));
  NAPI_OK(set_int(env, obj, "height", h));
  NAPI_OK(set_int(env, obj, "components", nc));
  NAPI_OK(set_int(env, obj, "precision", prec));
  NAPI_OK(set_bool(env, obj, "signed", sgnd));
  NAPI_OK(napi_set_named_property(env, obj, "data", data));
  result = obj;

done:
  if (image) opj_image_destroy(image);
  if (codec) opj_destroy_codec(codec);
  if (stream) opj_stream_destroy(stream);
  return result;
}

static napi_value version(napi_env env, napi_callback_info cb) {
  (void)cb;
  napi_value v = NULL;
  napi_create_string_utf8(env, opj_version(), NAPI_AUTO_LENGTH, &v);
  return v;
}

/*
 * tuneMalloc(mmapThreshold: number, arenaMax: number) -> boolean
 *
 * glibc only (false elsewhere, and where mallopt refuses). The pipeline allocates and frees many
 * typed arrays of 1 to 50 MB (decoded tiles, strips, masks) from several threads. glibc's
 * threshold for serving them with mmap rises to 32 MB after the first frees, so most of them come
 * from per-thread heap arenas, which fragment and keep the freed memory: a fixed threshold returns
 * the large ones on free, one arena lets every thread reuse the rest. Here because this is the
 * project's only native module, loaded where the tiles are decoded (settings: core/memory.ts).
 * A value <= 0 leaves that setting alone.
 */
static napi_value tune_malloc(napi_env env, napi_callback_info cb) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t threshold = 0;
  int32_t arenas = 0;
  if (napi_get_cb_info(env, cb, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &threshold) != napi_ok ||
      napi_get_value_int32(env, argv[1], &arenas) != napi_ok) {
    napi_throw_type_error(env, NULL, "tuneMalloc(mmapThreshold, arenaMax): two integers");
    return NULL;
  }
  bool ok = false;
#if defined(__GLIBC__)
  ok = (threshold <= 0 || mallopt(M_MMAP_THRESHOLD, threshold) == 1) &&
       (arenas <= 0 || mallopt(M_ARENA_MAX, arenas) == 1);
#endif
  napi_value v = NULL;
  napi_get_boolean(env, ok, &v);
  return v;
}

/* Context-aware registration: loadable in the main thread and in every worker thread. */
NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"decode", NULL, decode, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openjpegVersion", NULL, version, NULL, NULL, NULL, napi_enumerable, NULL},
      {"tuneMalloc", NULL, tune_malloc, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}
