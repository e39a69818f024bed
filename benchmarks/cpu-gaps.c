// cpu-gaps: how often, and for how long, this machine takes the CPU from a program that runs, as Redis does in a
// function call, without giving it up. Run it under the priority Redis runs under; under real-time scheduling
// (chrt -f 50) no ordinary process can take the CPU, so any gap left is the machine's own: interrupts, the kernel,
// the hypervisor.
//
//   gcc -O2 -o target/cpu-gaps benchmarks/cpu-gaps.c
//   chrt -f 50 target/cpu-gaps SECONDS MEGABYTES
//
// It spins in windows of 5 ms with 5 ms sleeps between them (so that the kernel's throttling of real-time tasks,
// which stops one that runs for 950 ms of a second, never applies), reading the clock between steps. With
// MEGABYTES above 0 every step also changes 16 random bytes of a buffer of that size, faulted in beforehand, as
// Redis reaches its data. Every gap of 2 ms or more between two steps is printed with the page faults and
// preemptions of its window; a summary follows.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define WINDOW_NS 5000000LL
#define REPORTED_GAP_NS 2000000LL

static long long monotonic_ns(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now.tv_sec * 1000000000LL + now.tv_nsec;
}

int main(int argc, char **argv) {
  if (argc != 3 || atoi(argv[1]) <= 0 || atol(argv[2]) < 0) {
    fprintf(stderr, "usage: %s SECONDS MEGABYTES (0 megabytes: touch no memory)\n", argv[0]);
    return 2;
  }
  int seconds = atoi(argv[1]);
  size_t size = (size_t) atol(argv[2]) << 20;
  unsigned char *buffer = NULL;
  if (size > 0) {
    buffer = malloc(size);
    if (buffer == NULL) {
      fprintf(stderr, "cannot allocate %s MB\n", argv[2]);
      return 1;
    }
    // Fault every page in now, so that faults while spinning are the machine's doing, not first touches.
    memset(buffer, 1, size);
  }
  unsigned long long random = 88172645463325252ULL;
  long long spun = 0, over_half_ms = 0, over_1_ms = 0, over_2_ms = 0, longest = 0;
  struct timespec pause = {0, WINDOW_NS};
  long long end = monotonic_ns() + seconds * 1000000000LL;
  while (monotonic_ns() < end) {
    struct rusage window_start;
    getrusage(RUSAGE_SELF, &window_start);
    long long start = monotonic_ns(), last = start, window_longest = 0;
    while (last - start < WINDOW_NS) {
      for (int i = 0; size > 0 && i < 16; i++) {
        // xorshift64: a random byte of the buffer, so that the reads miss the CPU's caches as Redis' do.
        random ^= random << 13;
        random ^= random >> 7;
        random ^= random << 17;
        buffer[random % size]++;
      }
      long long now = monotonic_ns(), gap = now - last;
      over_half_ms += gap >= 500000;
      over_1_ms += gap >= 1000000;
      over_2_ms += gap >= REPORTED_GAP_NS;
      longest = gap > longest ? gap : longest;
      window_longest = gap > window_longest ? gap : window_longest;
      last = now;
    }
    spun += last - start;
    if (window_longest >= REPORTED_GAP_NS) {
      struct rusage window_end;
      getrusage(RUSAGE_SELF, &window_end);
      printf("gap of %.2f ms; in its window %ld page faults, %ld preemptions\n", window_longest / 1e6,
          window_end.ru_minflt + window_end.ru_majflt - window_start.ru_minflt - window_start.ru_majflt,
          window_end.ru_nivcsw - window_start.ru_nivcsw);
    }
    nanosleep(&pause, NULL);
  }
  printf("spun %.1f s touching %s MB: gaps of 0.5 ms or more %lld, of 1 ms or more %lld, of 2 ms or more %lld; "
      "longest %.2f ms\n", spun / 1e9, argv[2], over_half_ms, over_1_ms, over_2_ms, longest / 1e6);
  return 0;
}
