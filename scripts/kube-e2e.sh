#!/usr/bin/env bash
# scripts/kube-e2e.sh: Weft as a real Kubernetes 1.20 cluster's network, end to end, on this machine.
# Two nodes (kubelet + containerd, each in a lab host namespace, from ../shared/k8s), the image of
# scripts/image.sh, and deploy/kubernetes/weft.yaml as an operator applies it, with what a single machine
# needs to play two hosts (below). Then:
#   1. the routers come up (DaemonSet pods Ready) and set their Node's NetworkUnavailable=False;
#   2. a pod on node1 reaches a pod on node2 by its address from Weft, through kubelet -> containerd ->
#      libcni -> weft-net;
#   3. NetworkPolicy: a policy on the pod of node1 that allows only pods labelled role=api blocks the pod of
#      node2 (role=web), weft policy why in node1's router says which policy, relabelling the pod role=api lets
#      it through, and deleting the policy opens it again;
#   4. node2 is stopped and its Node deleted: the router on node1 takes over node2's peer's ranges, and
#      the ConfigMap weft-peers forgets it.
# Prints "KUBE-E2E: PASS" at the end; exits non-zero with "KUBE-E2E: FAIL <why>" (and the routers' last
# words) otherwise. Stops everything it started (nodes, control plane, lab namespaces) on any exit; the
# cluster's files stay in $RUN for a look after a failure, and go at the next run's start.
#
#   sudo bash scripts/kube-e2e.sh
#
# What differs from a real cluster, because the two "hosts" share one file system and have no kube-proxy:
# each node gets a DaemonSet of its own (pinned by nodeSelector) whose host paths (data directory, CNI
# directories, machine-id) are that node's; and the routers reach the API server at its lab address
# (KUBERNETES_SERVICE_HOST), since no kube-proxy serves the kubernetes Service's cluster IP.
# Kubernetes is built once into /var/cache/k8s-lab (about 8 minutes), the image's Debian root once into
# /var/cache/weft/image.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
k8s=${WEFT_K8S_DIR:-$here/../shared/k8s}
export RUN=${RUN:-/var/lib/k8s-lab/run-weft}
export BIN=${BIN:-/var/cache/k8s-lab/bin}
export API_ADDR=198.19.0.1 PREFIX=k2 HOSTS=2
image_cache=${WEFT_IMAGE_CACHE:-/var/cache/weft/image}
K() { "$BIN/kubectl-1.20" --kubeconfig "$RUN/kubeconfig" "$@"; }
say() { printf 'kube-e2e: %s\n' "$*"; }
fail() {
    printf 'KUBE-E2E: FAIL %s\n' "$*"
    if [[ -f $RUN/kubeconfig ]] && K get nodes > /dev/null 2>&1; then
        K get pods -A -o wide 2>&1 | sed 's/^/  /'
        for i in 1 2; do
            say "the router on node$i said:"
            K -n kube-system logs "ds/weft-node$i" -c weft --tail=25 2>&1 | sed 's/^/  /'
        done
    fi
    exit 1
}
started=$SECONDS
step() { say "$* (at $(( SECONDS - started )) s)"; }

[[ $(id -u) -eq 0 ]] || fail "run as root"
[[ -d $k8s ]] || fail "no $k8s (the shared Kubernetes scripts)"

node_dir() { echo "$RUN/weft-$1"; }
started_dockerd=
# the pods' namespaces (cni-*) that were there before: those that appear during the run are its own
netns_before=$(ip netns list | awk '/^cni-/ {print $1}')
cleanup() {
    set +e
    for i in 1 2; do
        NETNS=$PREFIX-h$i NODE_NAME=node$i CNI_BIN_DIR=$(node_dir node$i)/bin CNI_CONF_DIR=$(node_dir node$i)/net.d \
            bash "$k8s/run-node.sh" stop > /dev/null 2>&1
        ip netns exec "$PREFIX-h$i" ip link del weft 2>/dev/null
    done
    # a containerd stopped with pods still on its node leaves their namespaces mounted
    for ns in $(ip netns list | awk '/^cni-/ {print $1}'); do
        grep -qx "$ns" <<< "$netns_before" || ip netns del "$ns"
    done
    bash "$k8s/run-control-plane.sh" stop > /dev/null 2>&1
    bash "$k8s/lab-net.sh" down > /dev/null 2>&1
    if [[ -n $started_dockerd ]]; then kill "$started_dockerd" 2>/dev/null; wait "$started_dockerd" 2>/dev/null; fi
}
trap cleanup EXIT
# a cluster of its own each time: whatever an earlier run left (etcd's data among it) goes first
cleanup
rm -rf "$RUN"

# 0. What it runs on: Kubernetes, Weft's image, and a busybox image for the pods
WHAT="kube-apiserver kube-controller-manager kube-scheduler kubelet" bash "$k8s/build-k8s.sh" > "$image_cache.k8s-build.log" 2>&1 \
    || { tail -n 20 "$image_cache.k8s-build.log"; fail "building Kubernetes failed"; }
step "Kubernetes built"
bash "$here/scripts/image.sh" | sed 's/^/  /'
version=$(ls "$image_cache"/weft-*.tar | sed -n 's/.*weft-\(.*\)\.tar$/\1/p' | sort -V | tail -n 1)
weft_image=$image_cache/weft-$version.tar
busybox_image=$image_cache/busybox.tar
if [[ ! -f $busybox_image ]]; then
    if ! docker info > /dev/null 2>&1; then
        # no network needed: no docker0 and no iptables chains (nor FORWARD's DROP policy) left on this host
        dockerd --host unix:///var/run/docker.sock --bridge=none --iptables=false --ip-masq=false > /tmp/kube-e2e-dockerd.log 2>&1 &
        started_dockerd=$!
        for _ in $(seq 1 60); do docker info > /dev/null 2>&1 && break; sleep 0.5; done
    fi
    context=$(mktemp -d)
    cp /bin/busybox "$context/busybox"
    printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\n' > "$context/Dockerfile"
    docker build -q --network none -t lab.local/busybox:1 "$context" > /dev/null
    docker save lab.local/busybox:1 -o "$busybox_image"
    rm -rf "$context"
fi
step "images ready: weft:$version, lab.local/busybox:1"

# 1. The cluster: control plane, two nodes, each with its own CNI directories and machine-id
bash "$k8s/lab-net.sh" up > /dev/null
bash "$k8s/run-control-plane.sh" start > /dev/null
for i in 1 2; do
    d=$(node_dir node$i)
    rm -rf "$d" && mkdir -p "$d/bin" "$d/net.d" "$d/data"
    cp /usr/lib/cni/* "$d/bin/"   # portmap, which the conflist chains, and loopback, which containerd calls
    # keeps run-node.sh from writing its stand-in network: the node has none until Weft installs its own
    : > "$d/net.d/00-none.conf.disabled"
    od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$d/machine-id"
    NETNS=$PREFIX-h$i NODE_NAME=node$i CNI_BIN_DIR=$d/bin CNI_CONF_DIR=$d/net.d bash "$k8s/run-node.sh" start > "$d/run-node.log" 2>&1 \
        || { tail -n 20 "$d/run-node.log"; fail "node$i did not start"; }
    for image in "$weft_image" "$busybox_image"; do
        ctr --address "$RUN/node-node$i/containerd/containerd.sock" -n k8s.io images import "$image" > /dev/null
    done
done
for _ in $(seq 1 60); do [[ $(K get nodes --no-headers 2>/dev/null | wc -l) -eq 2 ]] && break; sleep 1; done
step "nodes registered: $(K get nodes --no-headers | awk '{print $1}' | tr '\n' ' ')"

# 2. Weft, as the manifest says, with each node's own host paths
K -n kube-system create secret generic weft-password --from-literal=password="kube-e2e-$RANDOM$RANDOM" > /dev/null
manifest=$(mktemp)
awk 'BEGIN { RS = "\n---\n" } !/kind: DaemonSet/ { printf "%s\n---\n", $0 }' "$here/deploy/kubernetes/weft.yaml" > "$manifest"
for i in 1 2; do
    d=$(node_dir node$i)
    awk 'BEGIN { RS = "\n---\n" } /kind: DaemonSet/ { print }' "$here/deploy/kubernetes/weft.yaml" \
        | sed -e "s/^\( *\)name: weft$/\1name: weft-node$i/" \
              -e "s#^      serviceAccountName: weft#      nodeSelector: {kubernetes.io/hostname: node$i}\n      serviceAccountName: weft#" \
              -e "s#/var/lib/weft#$d/data#g; s#/opt/cni/bin#$d/bin#g; s#/etc/cni/net.d#$d/net.d#g" \
              -e "s#^            path: /etc/machine-id#            path: $d/machine-id#" \
              -e "s#^          env:#          env:\n            - {name: KUBERNETES_SERVICE_HOST, value: \"$API_ADDR\"}\n            - {name: KUBERNETES_SERVICE_PORT, value: \"6443\"}#" \
        >> "$manifest"
    echo "---" >> "$manifest"
done
K apply -f "$manifest" > /dev/null
for i in 1 2; do
    K -n kube-system rollout status "ds/weft-node$i" --timeout=180s > /dev/null \
        || { K -n kube-system get pods -o wide; K -n kube-system logs "ds/weft-node$i" --all-containers | tail -n 30; fail "weft on node$i is not Ready"; }
done
step "routers Ready on both nodes"
for i in 1 2; do
    condition=""
    for _ in $(seq 1 30); do
        condition=$(K get node "node$i" -o jsonpath='{.status.conditions[?(@.type=="NetworkUnavailable")].status}')
        [[ $condition == False ]] && break
        sleep 1
    done
    [[ $condition == False ]] || fail "node$i's NetworkUnavailable is '$condition', not False"
done
step "NetworkUnavailable=False on both nodes"

# 3. Pods on each node, addressed by Weft, reaching each other
for i in 1 2; do
    cat <<POD | K apply -f - > /dev/null
apiVersion: v1
kind: Pod
metadata: {name: bb-node$i, namespace: default}
spec:
  nodeName: node$i
  automountServiceAccountToken: false
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: "lab.local/busybox:1", imagePullPolicy: Never, command: ["sleep", "3600"]}
POD
done
for _ in $(seq 1 60); do K -n default get serviceaccount default > /dev/null 2>&1 && break; sleep 1; done
for i in 1 2; do
    K wait --for=condition=Ready "pod/bb-node$i" --timeout=120s > /dev/null \
        || { K describe pod "bb-node$i" | tail -n 20; fail "pod bb-node$i is not Ready"; }
done
ip1=$(K get pod bb-node1 -o jsonpath='{.status.podIP}')
ip2=$(K get pod bb-node2 -o jsonpath='{.status.podIP}')
step "pods Running: bb-node1 $ip1, bb-node2 $ip2"
[[ $ip1 == 10.3[2-9].* || $ip1 == 10.4[0-7].* ]] || fail "bb-node1's address $ip1 is not from Weft's range"
ping_ok=
for _ in $(seq 1 20); do
    if K exec bb-node2 -- ping -c 2 -W 2 "$ip1" > /tmp/kube-e2e-ping 2>&1; then ping_ok=1; break; fi
    sleep 1
done
[[ -n $ping_ok ]] || { cat /tmp/kube-e2e-ping; fail "bb-node2 cannot reach bb-node1 at $ip1"; }
step "bb-node2 reaches bb-node1 across the nodes: $(grep -o '[0-9]* packets received' /tmp/kube-e2e-ping)"

# 3b. NetworkPolicy through the real API server: node1's router enforces a policy on bb-node1, follows a relabelled
# peer, and explains its verdict. pings_until WANT: polls new pings (each a new conntrack entry) until they pass (0)
# or fail (1) as wanted, for up to 20 s.
pings_until() {
    local got
    for _ in $(seq 1 20); do
        if K exec bb-node2 -- ping -c 1 -W 1 "$ip1" > /dev/null 2>&1; then got=pass; else got=fail; fi
        [[ $got == "$1" ]] && return 0
        sleep 1
    done
    return 1
}
K label pod bb-node1 role=db > /dev/null
K label pod bb-node2 role=web > /dev/null
cat <<POLICY | K apply -f - > /dev/null
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: default}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress: [{from: [{podSelector: {matchLabels: {role: api}}}]}]
POLICY
pings_until fail || fail "bb-node2 (role=web) still reaches bb-node1 under db-ingress, which allows only role=api"
# exit status 1: denied; kubectl's own line about it goes to stderr
why=$(K -n kube-system exec ds/weft-node1 -c weft -- /opt/weft/weft policy why default/bb-node2 default/bb-node1:80 2>/tmp/kube-e2e-why)
[[ $why == "denied: default/bb-node1 is selected for ingress by default/db-ingress"* ]] || fail "weft policy why said: $why $(cat /tmp/kube-e2e-why)"
step "NetworkPolicy db-ingress blocks bb-node2 (role=web); weft policy why: ${why%%; none*}"
K label pod bb-node2 role=api --overwrite > /dev/null
pings_until pass || fail "bb-node2, relabelled role=api, does not reach bb-node1 under db-ingress"
K delete networkpolicy db-ingress > /dev/null
K label pod bb-node2 role=web --overwrite > /dev/null
pings_until pass || fail "bb-node2 does not reach bb-node1 once db-ingress is deleted"
step "bb-node2 relabelled role=api passes, and passes as role=web once the policy is deleted"

# 4. A deleted node's addresses come back
peers=$(K -n kube-system get configmap weft-peers -o jsonpath='{.data}')
# the ConfigMap's keys are peer names with - for :
key2=$(K -n kube-system get configmap weft-peers -o json \
    | python3 -c 'import json,sys; d=json.load(sys.stdin)["data"]; print(next((k for k, n in d.items() if n == "node2"), ""))')
[[ -n $key2 ]] || fail "node2's router is not in weft-peers: $peers"
peer2=${key2//-/:}
NETNS=$PREFIX-h2 NODE_NAME=node2 CNI_BIN_DIR=$(node_dir node2)/bin CNI_CONF_DIR=$(node_dir node2)/net.d bash "$k8s/run-node.sh" stop > /dev/null 2>&1
K delete node node2 > /dev/null
reclaimed=
for _ in $(seq 1 60); do
    if K -n kube-system logs ds/weft-node1 -c weft 2>/dev/null | grep -q "took over the ranges of peer $peer2"; then reclaimed=1; break; fi
    sleep 1
done
[[ -n $reclaimed ]] || { K -n kube-system logs ds/weft-node1 -c weft | tail -n 20; fail "node1's router did not take over $peer2's ranges"; }
for _ in $(seq 1 30); do
    K -n kube-system get configmap weft-peers -o jsonpath='{.data}' | grep -q "$key2" || break
    sleep 1
done
K -n kube-system get configmap weft-peers -o jsonpath='{.data}' | grep -q "$key2" && fail "weft-peers still holds $peer2"
step "node2 deleted: node1's router took over peer $peer2's ranges"

echo "KUBE-E2E: PASS in $(( SECONDS - started )) s"
