// sip_flood: sends complete SIP calls as UDP datagrams, prebuilt, with sendmmsg, at a chosen
// rate, and says exactly what it sent (the truth a live capture's report is held against:
// scripts/measure_live_ceiling.sh, docs/performance.md "Live ceiling").
//
//   sip_flood --src 10.0.0.2 --dst 10.0.0.1 --calls-per-second 2000 --seconds 10 [--dport 5060]
//             [--sport 5062] [--ring 1] [--talk 2] [--batch 32]
//   sip_flood --sink 10.0.0.1 --dport 5060     # binds the port and never reads: no ICMP errors
//
// Every call has a Call-ID of its own and seven messages: INVITE with SDP, 100, 180 (sent at
// once), 200 with SDP and ACK `--ring` seconds later, BYE and its 200 `--talk` seconds after
// that; so about rate x (ring + talk) calls are up at a time, as on a trunk. All datagrams go from
// --src:--sport to --dst:--dport (direction does not matter to the counts). The messages are built
// once per kind with fixed-width fields (call number, media port) that are patched in place: no
// formatting on the sending path. Pacing: one sendmmsg of --batch datagrams at a time, each batch
// at its due time on CLOCK_MONOTONIC (absolute sleeps, so lateness does not accumulate); when the
// sender falls behind it says so (late_batches) rather than hiding it.
//
// Output (stdout, one line, key=value): calls, messages sent, send errors, the achieved rate, and
// per kind the count (invite, ack, bye, r100, r180, r200) that a correct report shows.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define KINDS 7
#define MAX_MSG 1400
#define MAX_BATCH 256

enum { INVITE, TRYING, RINGING, OK_INVITE, ACK, BYE, OK_BYE };

struct template {
  char text[MAX_MSG];
  size_t len;
  size_t call_at[8];  // offsets of the 10-digit call number
  int call_fields;
  size_t port_at;  // offset of the 5-digit media port (0: none)
};

static struct template templates[KINDS];

static void put_digits(char* at, unsigned long value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = (char)('0' + value % 10);
    value /= 10;
  }
}

// Builds a template; "##########" marks the call number, "#####" the media port.
static void build(struct template* t, const char* text) {
  size_t n = strlen(text);
  if (n >= MAX_MSG) {
    fprintf(stderr, "sip_flood: template too long\n");
    exit(2);
  }
  memcpy(t->text, text, n);
  t->len = n;
  t->call_fields = 0;
  t->port_at = 0;
  for (size_t i = 0; i + 5 <= n;) {
    if (i + 10 <= n && memcmp(t->text + i, "##########", 10) == 0) {
      t->call_at[t->call_fields++] = i;
      i += 10;
    } else if (memcmp(t->text + i, "#####", 5) == 0) {
      t->port_at = i;
      i += 5;
    } else {
      ++i;
    }
  }
}

static void make_templates(const char* src, const char* dst, int sport, int dport) {
  char sdp[512], body[2048], text[MAX_MSG + 512];
  const char* via_fmt = "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK##########%s\r\n";
  char via_inv[160], via_bye[160];
  snprintf(via_inv, sizeof via_inv, via_fmt, src, sport, "i");
  snprintf(via_bye, sizeof via_bye, via_fmt, src, sport, "b");
  char via_ack[160];
  snprintf(via_ack, sizeof via_ack, via_fmt, src, sport, "a");
  char common[512];
  snprintf(common, sizeof common,
           "From: \"flood\" <sip:caller@%s>;tag=f##########\r\n"
           "Call-ID: ##########-flood@%s\r\n",
           src, src);
  const char* to_plain = "To: <sip:callee@flood.test>\r\n";
  const char* to_tag = "To: <sip:callee@flood.test>;tag=t##########\r\n";
  snprintf(sdp, sizeof sdp,
           "v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio ##### RTP/AVP 0 8\r\n"
           "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n",
           src, src);
  size_t sdp_len = strlen(sdp);

  snprintf(body, sizeof body,
           "INVITE sip:callee@%s:%d SIP/2.0\r\n%s%s%sCSeq: 1 INVITE\r\nContact: <sip:caller@%s:%d>\r\n"
           "Max-Forwards: 70\r\nContent-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           dst, dport, via_inv, common, to_plain, src, sport, sdp_len, sdp);
  build(&templates[INVITE], body);
  snprintf(text, sizeof text, "SIP/2.0 100 Trying\r\n%s%s%sCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", via_inv,
           common, to_plain);
  build(&templates[TRYING], text);
  snprintf(text, sizeof text,
           "SIP/2.0 180 Ringing\r\n%s%s%sCSeq: 1 INVITE\r\nContact: <sip:callee@%s:%d>\r\nContent-Length: 0\r\n\r\n",
           via_inv, common, to_tag, dst, dport);
  build(&templates[RINGING], text);
  snprintf(text, sizeof text,
           "SIP/2.0 200 OK\r\n%s%s%sCSeq: 1 INVITE\r\nContact: <sip:callee@%s:%d>\r\n"
           "Content-Type: application/sdp\r\nContent-Length: %zu\r\n\r\n%s",
           via_inv, common, to_tag, dst, dport, sdp_len, sdp);
  build(&templates[OK_INVITE], text);
  snprintf(text, sizeof text,
           "ACK sip:callee@%s:%d SIP/2.0\r\n%s%s%sCSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", dst,
           dport, via_ack, common, to_tag);
  build(&templates[ACK], text);
  snprintf(text, sizeof text,
           "BYE sip:callee@%s:%d SIP/2.0\r\n%s%s%sCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", dst,
           dport, via_bye, common, to_tag);
  build(&templates[BYE], text);
  snprintf(text, sizeof text, "SIP/2.0 200 OK\r\n%s%s%sCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", via_bye, common,
           to_tag);
  build(&templates[OK_BYE], text);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void sleep_until(int64_t t) {
  struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
  }
}

static const char* arg(int argc, char** argv, const char* name, const char* fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

static struct sockaddr_in address(const char* ip, int port) {
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, ip, &a.sin_addr) != 1) {
    fprintf(stderr, "sip_flood: not an IPv4 address: %s\n", ip);
    exit(2);
  }
  return a;
}

int main(int argc, char** argv) {
  const int dport = atoi(arg(argc, argv, "--dport", "5060"));
  const char* sink = arg(argc, argv, "--sink", NULL);
  if (sink) {  // a bound socket nobody reads: datagrams are dropped without an ICMP error
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = address(sink, dport);
    if (fd < 0 || bind(fd, (struct sockaddr*)&a, sizeof a) != 0) {
      perror("sip_flood: sink");
      return 1;
    }
    for (;;) pause();
  }
  const char* src = arg(argc, argv, "--src", NULL);
  const char* dst = arg(argc, argv, "--dst", NULL);
  if (!src || !dst) {
    fprintf(stderr, "usage: sip_flood --src IP --dst IP --calls-per-second R --seconds S [--dport P] [--sport P] "
                    "[--ring S] [--talk S] [--batch N]\n       sip_flood --sink IP [--dport P]\n");
    return 2;
  }
  const int sport = atoi(arg(argc, argv, "--sport", "5062"));
  const double cps = atof(arg(argc, argv, "--calls-per-second", "1000"));
  const double seconds = atof(arg(argc, argv, "--seconds", "5"));
  const double ring = atof(arg(argc, argv, "--ring", "1"));
  const double talk = atof(arg(argc, argv, "--talk", "2"));
  int batch = atoi(arg(argc, argv, "--batch", "32"));
  if (batch < 1) batch = 1;
  if (batch > MAX_BATCH) batch = MAX_BATCH;
  if (cps <= 0 || seconds <= 0) {
    fprintf(stderr, "sip_flood: --calls-per-second and --seconds must be positive\n");
    return 2;
  }
  make_templates(src, dst, sport, dport);

  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  struct sockaddr_in from = address(src, sport), to = address(dst, dport);
  int sndbuf = 8 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (fd < 0 || bind(fd, (struct sockaddr*)&from, sizeof from) != 0 ||
      connect(fd, (struct sockaddr*)&to, sizeof to) != 0) {
    perror("sip_flood: socket");
    return 1;
  }

  // The schedule, in call steps: at step j, INVITE/100/180 of call j, 200/ACK of call j - ring
  // steps, BYE/200 of call j - (ring + talk) steps. Steps continue until every call has ended.
  const unsigned long calls = (unsigned long)(cps * seconds + 0.5);
  const unsigned long ring_steps = (unsigned long)(cps * ring + 0.5);
  const unsigned long bye_steps = ring_steps + (unsigned long)(cps * talk + 0.5);
  const unsigned long steps = calls + bye_steps;
  const double ns_per_message = 1e9 / (cps * KINDS);

  // One buffer per datagram of a batch: the template copied and patched.
  static char buffers[MAX_BATCH][MAX_MSG];
  static struct iovec iov[MAX_BATCH];
  static struct mmsghdr msgs[MAX_BATCH];
  for (int i = 0; i < MAX_BATCH; ++i) {
    iov[i].iov_base = buffers[i];
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  unsigned long counts[KINDS] = {0};
  unsigned long sent = 0, errors = 0, late = 0, batches = 0;
  int filled = 0;
  const int64_t start = now_ns();
  int64_t max_late = 0;

  for (unsigned long j = 0; j < steps; ++j) {
    for (int part = 0; part < 3; ++part) {
      unsigned long call;
      int first, last;
      if (part == 0) {
        if (j >= calls) continue;
        call = j, first = INVITE, last = RINGING;
      } else if (part == 1) {
        if (j < ring_steps || j - ring_steps >= calls) continue;
        call = j - ring_steps, first = OK_INVITE, last = ACK;
      } else {
        if (j < bye_steps || j - bye_steps >= calls) continue;
        call = j - bye_steps, first = BYE, last = OK_BYE;
      }
      for (int kind = first; kind <= last; ++kind) {
        const struct template* t = &templates[kind];
        char* b = buffers[filled];
        memcpy(b, t->text, t->len);
        for (int f = 0; f < t->call_fields; ++f) put_digits(b + t->call_at[f], call, 10);
        if (t->port_at) put_digits(b + t->port_at, 10000 + (call % 25000) * 2, 5);
        iov[filled].iov_len = t->len;
        counts[kind]++;
        if (++filled == batch) {
          // Due when the first message of the batch is due.
          const int64_t due = start + (int64_t)((double)(sent) * ns_per_message);
          const int64_t t0 = now_ns();
          if (t0 < due) {
            sleep_until(due);
          } else if (t0 - due > 1000000) {
            ++late;
            if (t0 - due > max_late) max_late = t0 - due;
          }
          int done = 0;
          while (done < filled) {
            int n = sendmmsg(fd, msgs + done, (unsigned)(filled - done), 0);
            if (n < 0) {
              if (errno == EINTR) continue;
              if (errno == ENOBUFS || errno == EAGAIN) {  // the device queue is full: retry, counted
                ++errors;
                continue;
              }
              perror("sip_flood: sendmmsg");
              return 1;
            }
            done += n;
          }
          sent += (unsigned long)filled;
          ++batches;
          filled = 0;
        }
      }
    }
  }
  while (filled > 0) {
    int n = sendmmsg(fd, msgs, (unsigned)filled, 0);
    if (n < 0) {
      if (errno == EINTR || errno == ENOBUFS || errno == EAGAIN) {
        ++errors;
        continue;
      }
      perror("sip_flood: sendmmsg");
      return 1;
    }
    sent += (unsigned long)n;
    // Shift what is left (rare: a partial send of the last batch).
    for (int i = n; i < filled; ++i) iov[i - n] = iov[i];
    filled -= n;
  }
  const double elapsed = (double)(now_ns() - start) / 1e9;
  printf("calls=%lu messages=%lu retries=%lu elapsed_s=%.3f messages_per_s=%.0f calls_per_s=%.0f "
         "late_batches=%lu max_late_ms=%.1f invite=%lu r100=%lu r180=%lu r200=%lu ack=%lu bye=%lu "
         "bytes_invite=%zu bytes_200=%zu\n",
         calls, sent, errors, elapsed, (double)sent / elapsed, (double)calls / elapsed, late, (double)max_late / 1e6,
         counts[INVITE], counts[TRYING], counts[RINGING], counts[OK_INVITE] + counts[OK_BYE], counts[ACK], counts[BYE],
         templates[INVITE].len, templates[OK_INVITE].len);
  return 0;
}
