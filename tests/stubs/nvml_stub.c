/*
 * A stand-in for NVML (libnvidia-ml.so) for splleed's tests: the symbols
 * lib/gpu/nvml.ts uses, with NVML's signatures and struct layouts, returning
 * scripted values read from the environment at each call:
 *
 *   NVML_STUB_COUNT=2            devices (default 1)
 *   NVML_STUB_UTIL=37            GPU utilisation % (all devices)
 *   NVML_STUB_UTIL_STEP=10       added per utilisation call of a device, mod 101 (default 0)
 *   NVML_STUB_MEM_UTIL=12        memory utilisation %
 *   NVML_STUB_MEM_TOTAL_MIB=81559
 *   NVML_STUB_MEM_USED_MIB=1024  device i uses (i+1) times this
 *   NVML_STUB_POWER_MW=250000    device i draws (i+1) times this
 *   NVML_STUB_TEMP=55            degrees C
 *   NVML_STUB_SM_CLOCK=1980      MHz
 *   NVML_STUB_THROTTLE=4         clock-throttle reason bits
 *   NVML_STUB_DRIVER=550.54.15   driver version
 *   NVML_STUB_FAIL=nvmlDeviceGetPowerUsage:3,nvmlInit_v2:9
 *                                return that code from that function
 *
 * The energy counter (mJ) is what the device's power has drawn since
 * nvmlInit_v2: power (mW) x seconds, so it ramps like a real one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int nvmlReturn_t;
typedef struct stub_device { unsigned int index; } *nvmlDevice_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int gpu, memory; } nvmlUtilization_t;

#define MAX_DEVICES 8
static struct stub_device devices[MAX_DEVICES] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
static unsigned long long util_calls[MAX_DEVICES];
static struct timespec init_at;
static int initialized = 0;

static unsigned long long env_num(const char *name, unsigned long long dflt) {
  const char *v = getenv(name);
  return v && *v ? strtoull(v, NULL, 0) : dflt;
}

/* The code NVML_STUB_FAIL scripts for `fn`, else 0. */
static nvmlReturn_t scripted(const char *fn) {
  const char *spec = getenv("NVML_STUB_FAIL");
  size_t n = strlen(fn);
  while (spec && *spec) {
    if (strncmp(spec, fn, n) == 0 && spec[n] == ':') return (nvmlReturn_t)atoi(spec + n + 1);
    spec = strchr(spec, ',');
    if (spec) spec++;
  }
  return 0;
}

static unsigned int count(void) {
  unsigned long long c = env_num("NVML_STUB_COUNT", 1);
  return c > MAX_DEVICES ? MAX_DEVICES : (unsigned int)c;
}

#define CHECK(fn)                                   \
  do {                                              \
    nvmlReturn_t r_ = scripted(fn);                 \
    if (r_) return r_;                              \
    if (!initialized) return 1; /* UNINITIALIZED */ \
  } while (0)
#define CHECK_DEV(fn, d, out)                                  \
  do {                                                         \
    CHECK(fn);                                                 \
    if (!(d) || (d)->index >= count() || !(out)) return 2; /* INVALID_ARGUMENT */ \
  } while (0)

static int copy_str(char *dst, unsigned int len, const char *src) {
  if (!dst) return 2;
  if (strlen(src) + 1 > len) return 7; /* INSUFFICIENT_SIZE */
  strcpy(dst, src);
  return 0;
}

nvmlReturn_t nvmlInit_v2(void) {
  nvmlReturn_t r = scripted("nvmlInit_v2");
  if (r) return r;
  if (!initialized) {
    clock_gettime(CLOCK_MONOTONIC, &init_at);
    memset(util_calls, 0, sizeof util_calls);
  }
  initialized++;
  return 0;
}

nvmlReturn_t nvmlShutdown(void) {
  nvmlReturn_t r = scripted("nvmlShutdown");
  if (r) return r;
  if (!initialized) return 1;
  initialized--;
  return 0;
}

const char *nvmlErrorString(nvmlReturn_t r) {
  switch (r) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 15: return "GPU is lost";
    default: return "Unknown Error";
  }
}

nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  CHECK("nvmlSystemGetDriverVersion");
  const char *v = getenv("NVML_STUB_DRIVER");
  return copy_str(version, length, v && *v ? v : "550.54.15");
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *n) {
  CHECK("nvmlDeviceGetCount_v2");
  if (!n) return 2;
  *n = count();
  return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) {
  CHECK("nvmlDeviceGetHandleByIndex_v2");
  if (index >= count() || !device) return 2;
  *device = &devices[index];
  return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t d, char *name, unsigned int length) {
  CHECK_DEV("nvmlDeviceGetName", d, name);
  char buf[64];
  snprintf(buf, sizeof buf, "Stub GPU %u", d->index);
  return copy_str(name, length, buf);
}

nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t d, char *uuid, unsigned int length) {
  CHECK_DEV("nvmlDeviceGetUUID", d, uuid);
  char buf[64];
  snprintf(buf, sizeof buf, "GPU-00000000-0000-0000-0000-00000000000%u", d->index);
  return copy_str(uuid, length, buf);
}

nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t d, nvmlMemory_t *m) {
  CHECK_DEV("nvmlDeviceGetMemoryInfo", d, m);
  unsigned long long mib = 1024ULL * 1024ULL;
  m->total = env_num("NVML_STUB_MEM_TOTAL_MIB", 81559) * mib;
  m->used = env_num("NVML_STUB_MEM_USED_MIB", 1024) * (d->index + 1) * mib;
  m->free = m->total > m->used ? m->total - m->used : 0;
  return 0;
}

nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t d, nvmlUtilization_t *u) {
  CHECK_DEV("nvmlDeviceGetUtilizationRates", d, u);
  unsigned long long k = util_calls[d->index]++;
  u->gpu = (unsigned int)((env_num("NVML_STUB_UTIL", 37) + k * env_num("NVML_STUB_UTIL_STEP", 0)) % 101);
  u->memory = (unsigned int)env_num("NVML_STUB_MEM_UTIL", 12);
  return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t d, unsigned int *power) {
  CHECK_DEV("nvmlDeviceGetPowerUsage", d, power);
  *power = (unsigned int)(env_num("NVML_STUB_POWER_MW", 250000) * (d->index + 1));
  return 0;
}

nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t d, int sensor, unsigned int *temp) {
  CHECK_DEV("nvmlDeviceGetTemperature", d, temp);
  if (sensor != 0) return 2; /* only NVML_TEMPERATURE_GPU */
  *temp = (unsigned int)env_num("NVML_STUB_TEMP", 55);
  return 0;
}

nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t d, int type, unsigned int *clock) {
  CHECK_DEV("nvmlDeviceGetClockInfo", d, clock);
  if (type != 1) return 2; /* only NVML_CLOCK_SM */
  *clock = (unsigned int)env_num("NVML_STUB_SM_CLOCK", 1980);
  return 0;
}

nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t d, unsigned long long *r) {
  CHECK_DEV("nvmlDeviceGetCurrentClocksThrottleReasons", d, r);
  *r = env_num("NVML_STUB_THROTTLE", 0);
  return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t d, unsigned long long *energy) {
  CHECK_DEV("nvmlDeviceGetTotalEnergyConsumption", d, energy);
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  double s = (double)(now.tv_sec - init_at.tv_sec) + (double)(now.tv_nsec - init_at.tv_nsec) / 1e9;
  double mw = (double)(env_num("NVML_STUB_POWER_MW", 250000) * (d->index + 1));
  *energy = (unsigned long long)(mw * s); /* mW x s = mJ */
  return 0;
}
