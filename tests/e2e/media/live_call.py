#!/usr/bin/env python3
"""One side of a call with SDP and G.711 RTP both ways, for tests/e2e/live_media_test.sh: `a` (the
callee, 10.231.0.1, RTP on 40000) or `b` (the caller, 10.231.0.2, RTP on 30000). Each side sends
100 packets 20 ms apart, in sequence, after the ACK; the caller hangs up."""
import socket, struct, sys, time
role = sys.argv[1]  # "b" (caller) or "a" (callee)
A, B = "10.231.0.1", "10.231.0.2"
def sdp(addr, port):
    return ("v=0\r\no=- 1 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\nm=audio %d RTP/AVP 8\r\n" % (addr, addr, port))
def msg(start, cseq, to_tag, body=""):
    t = "%s\r\nVia: SIP/2.0/UDP %s:5060;branch=z9hG4bK%s\r\nFrom: <sip:a@x>;tag=caller\r\nTo: <sip:b@x>%s\r\nCall-ID: live-media-1\r\nCSeq: %s\r\n" % (start, B, cseq.split()[0] + cseq.split()[1], ";tag=callee" if to_tag else "", cseq)
    if body: t += "Content-Type: application/sdp\r\n"
    return (t + "Content-Length: %d\r\n\r\n%s" % (len(body), body)).encode()
def rtp(seq, ts, ssrc):
    return struct.pack("!BBHII", 0x80, 8, seq & 0xffff, ts, ssrc) + b"\xd5" * 160
sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); sip.bind((A if role == "a" else B, 5060))
media = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); media.bind((A, 40000) if role == "a" else (B, 30000))
if role == "b":
    sip.sendto(msg("INVITE sip:b@%s SIP/2.0" % A, "1 INVITE", False, sdp(B, 30000)), (A, 5060))
    sip.recvfrom(4000)  # 200
    sip.sendto(msg("ACK sip:b@%s SIP/2.0" % A, "1 ACK", True), (A, 5060))
    time.sleep(0.2)
    for i in range(100):
        media.sendto(rtp(1000 + i, 160 * i, 0xb0b0), (A, 40000)); time.sleep(0.02)
    sip.sendto(msg("BYE sip:b@%s SIP/2.0" % A, "2 BYE", True), (A, 5060))
    sip.recvfrom(4000)
else:
    data, peer = sip.recvfrom(4000)  # INVITE
    sip.sendto(msg("SIP/2.0 200 OK", "1 INVITE", True, sdp(A, 40000)), (B, 5060))
    sip.recvfrom(4000)  # ACK
    time.sleep(0.2)
    for i in range(100):
        media.sendto(rtp(7 + i, 160 * i, 0xa0a0), (B, 30000)); time.sleep(0.02)
    sip.recvfrom(4000)  # BYE
    sip.sendto(msg("SIP/2.0 200 OK", "2 BYE", True), (B, 5060))
