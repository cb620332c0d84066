/*
 * The guest's helpers for XfrmEspVmTest, built static so the guest needs nothing but busybox and ip:
 *   vmtool send FILE           sends FILE's bytes (one netlink request Weft encoded) on NETLINK_XFRM and prints
 *                              "ack 0 FILE", or "ack -ERRNO FILE" when the kernel refused it
 *   vmtool count IFACE SECONDS [out] counts the IPv4 packets seen on IFACE for SECONDS, both ways or (out) only
 *   those the host sends: "esp=N udp6784=M"
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int send_request(const char *path) {
    static unsigned char buf[65536];
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); return 2; }
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_XFRM);
    if (fd < 0) { perror("socket(NETLINK_XFRM)"); return 2; }
    int on = 1; /* the kernel's explanation on refusal, and not an echo of the request */
    setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof on);
    setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof on);
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, buf, n, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0) { perror("sendto"); return 2; }
    ssize_t got = recv(fd, buf, sizeof buf, 0);
    struct nlmsghdr *reply = (struct nlmsghdr *) buf;
    if (got < (ssize_t) sizeof *reply || reply->nlmsg_type != NLMSG_ERROR) { printf("ack ? %s\n", path); return 1; }
    int error = ((struct nlmsgerr *) NLMSG_DATA(reply))->error;
    const char *why = "";
    size_t at = NLMSG_HDRLEN + sizeof(struct nlmsgerr);
    while (error && at + NLA_HDRLEN <= (size_t) got) {
        struct nlattr *tlv = (struct nlattr *) (buf + at);
        if (tlv->nla_len < NLA_HDRLEN || at + tlv->nla_len > (size_t) got) break;
        if (tlv->nla_type == NLMSGERR_ATTR_MSG) why = (const char *) tlv + NLA_HDRLEN;
        at += NLA_ALIGN(tlv->nla_len);
    }
    printf("ack %d %s %s\n", error, path, why);
    return error != 0;
}

static int count(const char *iface, int seconds, int outgoingOnly) {
    int fd = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    if (fd < 0) { perror("socket(AF_PACKET)"); return 2; }
    struct sockaddr_ll at = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP), .sll_ifindex = if_nametoindex(iface) };
    if (bind(fd, (struct sockaddr *) &at, sizeof at) < 0) { perror("bind"); return 2; }
    long esp = 0, udp = 0;
    time_t end = time(NULL) + seconds;
    unsigned char packet[2048];
    struct pollfd p = { .fd = fd, .events = POLLIN };
    while (time(NULL) < end) {
        if (poll(&p, 1, 200) <= 0) continue;
        struct sockaddr_ll from;
        socklen_t fromLength = sizeof from;
        ssize_t n = recvfrom(fd, packet, sizeof packet, 0, (struct sockaddr *) &from, &fromLength);
        if (n < 20) continue;
        if (outgoingOnly && from.sll_pkttype != PACKET_OUTGOING) continue;
        int header = (packet[0] & 0x0f) * 4;
        if (packet[9] == 50) esp++;
        if (packet[9] == 17 && n >= header + 4 && (packet[header + 2] << 8 | packet[header + 3]) == 6784) udp++;
    }
    printf("esp=%ld udp6784=%ld\n", esp, udp);
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "send") == 0) return send_request(argv[2]);
    if ((argc == 4 || (argc == 5 && strcmp(argv[4], "out") == 0)) && strcmp(argv[1], "count") == 0) {
        return count(argv[2], atoi(argv[3]), argc == 5);
    }
    fprintf(stderr, "usage: vmtool send FILE | vmtool count IFACE SECONDS [out]\n");
    return 2;
}
