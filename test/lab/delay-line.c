/*
 * The lab's delay element (docs/lab.md): copies Ethernet frames between two TAP devices, each in its own
 * network namespace, and lets every frame out only when its delay has passed. The kernel here has no
 * netem, so a wire with delay is two TAP devices and this program between them.
 *
 *   delay-line NETNS_A IF_A NETNS_B IF_B DELAY_A_TO_B_US DELAY_B_TO_A_US QUEUE_FRAMES
 *
 * NETNS_* are paths (/run/netns/NAME). Prints "ready" on stdout once both devices exist; runs until SIGTERM
 * or until its parent dies (PR_SET_PDEATHSIG), then prints what it carried and dropped on stderr. A frame
 * that finds its direction's queue full is dropped, as a router's full buffer would (tail drop).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define SLOT_BYTES 2048 /* a frame of a 1500-byte MTU with room to spare; larger frames are dropped */
#define BATCH 64        /* frames read from one device before the other gets its turn */

struct slot {
  uint64_t due_ns;
  uint32_t len;
  unsigned char data[SLOT_BYTES];
};

struct direction {
  int in, out;
  uint64_t delay_ns;
  struct slot *ring;
  uint32_t cap, head, count;
  uint64_t frames, bytes, dropped;
};

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) { (void)sig; stopping = 1; }

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what, const char *arg) {
  fprintf(stderr, "delay-line: %s %s: %s\n", what, arg, strerror(errno));
  exit(1);
}

/* Enters the namespace at `ns_path` and opens the TAP device `name` there; the device stays in it. */
static int open_tap(const char *ns_path, const char *name) {
  int ns = open(ns_path, O_RDONLY | O_CLOEXEC);
  if (ns < 0) die("cannot open", ns_path);
  if (setns(ns, CLONE_NEWNET) < 0) die("cannot enter", ns_path);
  close(ns);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("cannot open", "/dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  if (strlen(name) >= IFNAMSIZ) { errno = ENAMETOOLONG; die("bad device name", name); }
  strcpy(ifr.ifr_name, name);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("cannot create TAP device", name);
  return fd;
}

/* Writes out every frame whose time has come; returns when the oldest one is still due later. */
static void flush(struct direction *d, uint64_t now) {
  while (d->count > 0) {
    struct slot *s = &d->ring[d->head];
    if (s->due_ns > now) return;
    if (write(d->out, s->data, s->len) < 0 && errno != EAGAIN) d->dropped++;
    d->head = (d->head + 1) % d->cap;
    d->count--;
  }
}

/* Reads up to BATCH frames; each gets its due time from the moment it was read. */
static void fill(struct direction *d) {
  static unsigned char scratch[65536];
  for (int i = 0; i < BATCH; i++) {
    int full = d->count == d->cap;
    struct slot *s = full ? NULL : &d->ring[(d->head + d->count) % d->cap];
    ssize_t n = read(d->in, full ? scratch : s->data, full ? sizeof scratch : SLOT_BYTES);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("read failed", "");
    }
    if (full) { d->dropped++; continue; }
    s->len = (uint32_t)n;
    s->due_ns = now_ns() + d->delay_ns;
    d->frames++;
    d->bytes += (uint64_t)n;
    d->count++;
  }
}

int main(int argc, char **argv) {
  if (argc != 8) {
    fprintf(stderr, "usage: delay-line NETNS_A IF_A NETNS_B IF_B DELAY_A_TO_B_US DELAY_B_TO_A_US QUEUE_FRAMES\n");
    return 2;
  }
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 1;
  prctl(PR_SET_TIMERSLACK, 1000UL); /* 1 us instead of 50: the wake-up for a due frame is the jitter */
  int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (home < 0) die("cannot open", "/proc/self/ns/net");
  int a = open_tap(argv[1], argv[2]);
  int b = open_tap(argv[3], argv[4]);
  if (setns(home, CLONE_NEWNET) < 0) die("cannot return to", "its own namespace");
  close(home);

  uint32_t cap = (uint32_t)strtoul(argv[7], NULL, 10);
  if (cap == 0) cap = 1;
  struct direction dirs[2] = {
      {.in = a, .out = b, .delay_ns = strtoull(argv[5], NULL, 10) * 1000u, .cap = cap},
      {.in = b, .out = a, .delay_ns = strtoull(argv[6], NULL, 10) * 1000u, .cap = cap},
  };
  for (int i = 0; i < 2; i++) {
    dirs[i].ring = calloc(cap, sizeof(struct slot));
    if (dirs[i].ring == NULL) die("out of memory for", "the queue");
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  printf("ready\n");
  fflush(stdout);

  struct pollfd fds[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};
  while (!stopping) {
    uint64_t now = now_ns();
    uint64_t next = UINT64_MAX;
    for (int i = 0; i < 2; i++) {
      flush(&dirs[i], now);
      if (dirs[i].count > 0 && dirs[i].ring[dirs[i].head].due_ns < next) next = dirs[i].ring[dirs[i].head].due_ns;
    }
    struct timespec timeout, *tp = NULL;
    if (next != UINT64_MAX) {
      uint64_t wait = next > now ? next - now : 0;
      timeout.tv_sec = (time_t)(wait / 1000000000u);
      timeout.tv_nsec = (long)(wait % 1000000000u);
      tp = &timeout;
    }
    int r = ppoll(fds, 2, tp, NULL);
    if (r < 0) {
      if (errno == EINTR) continue;
      die("poll failed", "");
    }
    for (int i = 0; i < 2; i++)
      if (fds[i].revents & POLLIN) fill(&dirs[i]);
  }
  for (int i = 0; i < 2; i++)
    fprintf(stderr, "delay-line: %s->%s %llu frames %llu bytes, %llu dropped\n", i ? argv[4] : argv[2],
            i ? argv[2] : argv[4], (unsigned long long)dirs[i].frames, (unsigned long long)dirs[i].bytes,
            (unsigned long long)dirs[i].dropped);
  return 0;
}
