/*
 * A stand-in for libnvToolsExt (the NVTX library) used by splleed's tests:
 * it implements the NVTX functions splleed calls and appends one line per
 * call to the file named by NVTX_STUB_LOG (read at each call):
 *
 *   domain <name>
 *   start <range id> <category> <color> <payload> <message>
 *   end <range id>
 *   mark <category> <color> <payload> <message>
 *   destroy <name>
 *   bad <function> <what>        (an nvtxEventAttributes_t splleed got wrong)
 *
 * The attributes are checked as the real library reads them (version 2 or
 * 3, size 48, ASCII message type), so a wrong struct layout shows up as a
 * "bad" line. Range ids start at 1000 and count up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  uint16_t version;
  uint16_t size;
  uint32_t category;
  int32_t colorType;
  uint32_t color;
  int32_t payloadType;
  int32_t reserved0;
  union {
    uint64_t ullValue;
    int64_t llValue;
    double dValue;
  } payload;
  int32_t messageType;
  union {
    const char *ascii;
    const void *unicode;
  } message;
} nvtxEventAttributes_t;

typedef struct {
  char name[128];
} stub_domain;

static uint64_t next_range = 1000;

static FILE *open_log(void) {
  const char *path = getenv("NVTX_STUB_LOG");
  if (path == NULL || path[0] == '\0') return NULL;
  return fopen(path, "a");
}

static int check(FILE *f, const char *fn, const nvtxEventAttributes_t *a) {
  if (a == NULL) {
    fprintf(f, "bad %s null-attributes\n", fn);
    return 0;
  }
  if (a->version != 2 && a->version != 3) {
    fprintf(f, "bad %s version=%u\n", fn, (unsigned)a->version);
    return 0;
  }
  if (a->size != sizeof(nvtxEventAttributes_t)) {
    fprintf(f, "bad %s size=%u expected=%u\n", fn, (unsigned)a->size,
            (unsigned)sizeof(nvtxEventAttributes_t));
    return 0;
  }
  if (a->messageType != 1 || a->message.ascii == NULL) {
    fprintf(f, "bad %s messageType=%d\n", fn, a->messageType);
    return 0;
  }
  return 1;
}

static unsigned long long payload_of(const nvtxEventAttributes_t *a) {
  return a->payloadType == 1 ? (unsigned long long)a->payload.ullValue : 0ULL;
}

void *nvtxDomainCreateA(const char *name) {
  stub_domain *d = calloc(1, sizeof(stub_domain));
  if (d == NULL) return NULL;
  strncpy(d->name, name == NULL ? "(null)" : name, sizeof(d->name) - 1);
  FILE *f = open_log();
  if (f != NULL) {
    fprintf(f, "domain %s\n", d->name);
    fclose(f);
  }
  return d;
}

void nvtxDomainDestroy(void *domain) {
  stub_domain *d = domain;
  FILE *f = open_log();
  if (f != NULL) {
    fprintf(f, "destroy %s\n", d == NULL ? "(null)" : d->name);
    fclose(f);
  }
  free(d);
}

uint64_t nvtxDomainRangeStartEx(void *domain, const nvtxEventAttributes_t *a) {
  (void)domain;
  uint64_t id = next_range++;
  FILE *f = open_log();
  if (f != NULL) {
    if (check(f, "nvtxDomainRangeStartEx", a)) {
      fprintf(f, "start %llu %u %08x %llu %s\n", (unsigned long long)id, a->category,
              a->colorType == 1 ? a->color : 0u, payload_of(a), a->message.ascii);
    }
    fclose(f);
  }
  return id;
}

void nvtxDomainRangeEnd(void *domain, uint64_t id) {
  (void)domain;
  FILE *f = open_log();
  if (f != NULL) {
    fprintf(f, "end %llu\n", (unsigned long long)id);
    fclose(f);
  }
}

void nvtxDomainMarkEx(void *domain, const nvtxEventAttributes_t *a) {
  (void)domain;
  FILE *f = open_log();
  if (f != NULL) {
    if (check(f, "nvtxDomainMarkEx", a)) {
      fprintf(f, "mark %u %08x %llu %s\n", a->category, a->colorType == 1 ? a->color : 0u,
              payload_of(a), a->message.ascii);
    }
    fclose(f);
  }
}
