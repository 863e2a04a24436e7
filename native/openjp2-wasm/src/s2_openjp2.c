/*
 * OpenJPEG compiled to WebAssembly for electron/core/raster/jp2/wasm-own.ts.
 *
 * s2_decode(codestream, length, reduce, out, out_capacity, info) -> 0 on success, else an error:
 *   decodes a raw J2K codestream (no JP2 boxes) at resolution `reduce` (0 = full), single-threaded,
 *   and writes the samples pixel-interleaved into `out` (the caller's buffer in this module's
 *   memory): 8-bit precision as uint8, 9..16 bits as uint16 (int16 when signed), little-endian.
 *   info[0..4] = width, height, components, precision, signed. On error s2_message() holds
 *   OpenJPEG's text. Warnings are errors too: OpenJPEG warns and goes on when tile data is damaged,
 *   and the pixels it hands back are then wrong.
 *
 * Same contract as the native addon (native/openjp2/src/openjp2.c), so both codecs decode the
 * same bytes to the same pixels. The caller owns every buffer: JS allocates them once with
 * s2_alloc and reuses them, so a decode copies the codestream in and the pixels out, once each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "openjpeg.h"

#define EXPORT __attribute__((visibility("default"), used))

enum {
  S2_OK = 0,
  S2_ERR_OPENJPEG = 1,   /* OpenJPEG failed: s2_message() says why */
  S2_ERR_DAMAGED = 2,    /* OpenJPEG warned: damaged tile data */
  S2_ERR_UNSUPPORTED = 3, /* components differ, or precision outside 1..16 */
  S2_ERR_CAPACITY = 4,   /* `out` is too small: info holds the size needed */
};

static char message[1024];
static size_t message_used;

static void append(const char *msg) {
  size_t room = sizeof(message) - message_used;
  if (room <= 1 || msg == NULL) return;
  int n = snprintf(message + message_used, room, "%s%s", message_used ? " " : "", msg);
  if (n < 0) return;
  message_used += (size_t)n < room ? (size_t)n : room - 1;
  /* OpenJPEG's messages end with a newline: keep the text on one line. */
  while (message_used > 0 && (message[message_used - 1] == '\n' || message[message_used - 1] == ' '))
    message[--message_used] = 0;
}

static int warned;
static void on_error(const char *msg, void *user) { (void)user; append(msg); }
static void on_warning(const char *msg, void *user) { (void)user; warned = 1; append(msg); }
static void on_quiet(const char *msg, void *user) { (void)msg; (void)user; }

typedef struct {
  const uint8_t *data;
  OPJ_SIZE_T len;
  OPJ_SIZE_T pos;
} mem_stream;

static OPJ_SIZE_T mem_read(void *buf, OPJ_SIZE_T n, void *user) {
  mem_stream *m = (mem_stream *)user;
  if (m->pos >= m->len) return (OPJ_SIZE_T)-1;
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

EXPORT void *s2_alloc(size_t n) { return malloc(n); }
EXPORT void s2_free(void *p) { free(p); }
EXPORT const char *s2_message(void) { return message; }
EXPORT const char *s2_version(void) { return opj_version(); }

static int fail(const char *why) {
  if (!message_used) append(why);
  return S2_ERR_OPENJPEG;
}

static int copy_out(const opj_image_t *image, void *out, size_t capacity, uint32_t *info) {
  OPJ_UINT32 nc = image->numcomps;
  if (nc == 0 || image->comps == NULL) {
    append("the image has no components");
    return S2_ERR_UNSUPPORTED;
  }
  const opj_image_comp_t *c0 = &image->comps[0];
  OPJ_UINT32 w = c0->w, h = c0->h, prec = c0->prec;
  int sgnd = c0->sgnd != 0;
  for (OPJ_UINT32 c = 0; c < nc; c++) {
    const opj_image_comp_t *ci = &image->comps[c];
    if (ci->w != w || ci->h != h || ci->prec != prec || (ci->sgnd != 0) != sgnd || ci->data == NULL) {
      append("components differ in size or sample type (or were not decoded)");
      return S2_ERR_UNSUPPORTED;
    }
  }
  info[0] = w;
  info[1] = h;
  info[2] = nc;
  info[3] = prec;
  info[4] = (uint32_t)sgnd;
  if (prec == 0 || prec > 16) {
    char text[64];
    snprintf(text, sizeof(text), "%u-bit samples are not supported (1 to 16)", prec);
    append(text);
    return S2_ERR_UNSUPPORTED;
  }
  size_t bps = prec > 8 ? 2 : 1;
  size_t pixels = (size_t)w * (size_t)h;
  if (pixels * nc * bps > capacity) return S2_ERR_CAPACITY;
  if (bps == 1) {
    uint8_t *o = (uint8_t *)out;
    for (OPJ_UINT32 c = 0; c < nc; c++) {
      const OPJ_INT32 *s = image->comps[c].data;
      for (size_t i = 0; i < pixels; i++) o[i * nc + c] = (uint8_t)s[i];
    }
  } else if (nc == 1) {
    /* The common case (one S2 band): a straight narrowing loop the compiler vectorises. */
    uint16_t *o = (uint16_t *)out;
    const OPJ_INT32 *s = image->comps[0].data;
    for (size_t i = 0; i < pixels; i++) o[i] = (uint16_t)s[i];
  } else {
    uint16_t *o = (uint16_t *)out;
    for (OPJ_UINT32 c = 0; c < nc; c++) {
      const OPJ_INT32 *s = image->comps[c].data;
      for (size_t i = 0; i < pixels; i++) o[i * nc + c] = (uint16_t)s[i];
    }
  }
  return S2_OK;
}

EXPORT int s2_decode(const uint8_t *codestream, size_t length, int reduce, void *out, size_t capacity,
                     uint32_t *info) {
  opj_codec_t *codec = NULL;
  opj_stream_t *stream = NULL;
  opj_image_t *image = NULL;
  int rc = S2_OK;
  message[0] = 0;
  message_used = 0;
  warned = 0;
  memset(info, 0, 5 * sizeof(uint32_t));

  mem_stream mem = {codestream, length, 0};
  /* One chunk for the whole codestream: OpenJPEG copies it once through its stream buffer. */
  OPJ_SIZE_T chunk = length > 0 ? length : 1;
  if (chunk > OPJ_J2K_STREAM_CHUNK_SIZE * 16) chunk = OPJ_J2K_STREAM_CHUNK_SIZE * 16;
  stream = opj_stream_create(chunk, OPJ_TRUE);
  if (!stream) {
    rc = fail("OpenJPEG could not create a stream (out of memory)");
    goto done;
  }
  opj_stream_set_user_data(stream, &mem, NULL);
  opj_stream_set_user_data_length(stream, (OPJ_UINT64)length);
  opj_stream_set_read_function(stream, mem_read);
  opj_stream_set_skip_function(stream, mem_skip);
  opj_stream_set_seek_function(stream, mem_seek);

  codec = opj_create_decompress(OPJ_CODEC_J2K);
  if (!codec) {
    rc = fail("OpenJPEG could not create a decoder");
    goto done;
  }
  opj_set_error_handler(codec, on_error, NULL);
  opj_set_warning_handler(codec, on_warning, NULL);
  opj_set_info_handler(codec, on_quiet, NULL);

  opj_dparameters_t params;
  opj_set_default_decoder_parameters(&params);
  if (!opj_setup_decoder(codec, &params)) rc = fail("setting up the decoder failed");
  else if (!opj_read_header(stream, codec, &image)) rc = fail("reading the codestream header failed");
  else if (reduce < 0 || !opj_set_decoded_resolution_factor(codec, (OPJ_UINT32)reduce))
    rc = fail("setting the resolution level failed");
  else if (!opj_decode(codec, stream, image)) rc = fail("decoding failed");
  else if (!opj_end_decompress(codec, stream)) rc = fail("finishing the decode failed");
  if (rc != S2_OK) goto done;
  if (warned) {
    rc = S2_ERR_DAMAGED;
    goto done;
  }
  rc = copy_out(image, out, capacity, info);

done:
  if (image) opj_image_destroy(image);
  if (codec) opj_destroy_codec(codec);
  if (stream) opj_stream_destroy(stream);
  return rc;
}
