#!/bin/bash
# weft-net: Weft's CNI plugin, installed by 'weft setup-cni'.
#
# The runtime starts it once per pod and operation. It hands the call to the local Weft router, which runs the
# plugin in its own process (POST /cni: the CNI_* variables as headers, the configuration as the body; the reply is
# what the plugin prints, its exit status in a header): starting a JVM per call cost more than the call. When no
# router takes the call (none runs, an older one, a configuration this script does not read), the plugin runs in a
# JVM of its own, which answers VERSION and the spec's errors without a router, and gives the same results.
# Bash, not sh: it talks HTTP through bash's /dev/tcp.

JAVA=@JAVA@
CLASS_PATH=@CLASS_PATH@
AOT_CACHE=@AOT_CACHE@

caller_lc_all=${LC_ALL-unset}
LC_ALL=C # lengths in bytes, and [:print:] is printable ASCII
IFS= read -r -d '' config

jvm() {
    exec 3<&- 4<&-
    if [[ $caller_lc_all == unset ]]; then unset LC_ALL; else LC_ALL=$caller_lc_all; fi
    aot=
    [[ -f $AOT_CACHE ]] && aot=-XX:AOTCache=$AOT_CACHE
    # JVM logging is off: a warning (a stale cache after an upgrade, say) must not land in the JSON on standard out
    exec "$JAVA" $aot -Xlog:disable -Xlog:all=off -XX:TieredStopAtLevel=1 -cp "$CLASS_PATH" weft.kube.cni.CniPlugin <<< "$config"
}

# The router of the configuration's data directory; another address (httpAddr), or a dataDir that is not a plain
# string, is left to the JVM, which reads JSON properly.
[[ $config == *'"httpAddr"'* ]] && jvm
dir=/var/lib/weft
if [[ $config == *'"dataDir"'* ]]; then
    [[ ${config#*'"dataDir"'} == *'"dataDir"'* ]] && jvm
    [[ $config =~ \"dataDir\"[[:space:]]*:[[:space:]]*\"([^\"\\]+)\" ]] || jvm
    dir=${BASH_REMATCH[1]}
fi
host=127.0.0.1 port=6784
if [[ -f $dir/api.json ]]; then
    IFS= read -r -d '' location < "$dir/api.json"
    [[ $location =~ \"host\"[[:space:]]*:[[:space:]]*\"([0-9A-Fa-f.:]+)\" ]] || jvm
    host=${BASH_REMATCH[1]}
    [[ $location =~ \"port\"[[:space:]]*:[[:space:]]*([0-9]{1,5})[^0-9] ]] || jvm
    port=${BASH_REMATCH[1]}
fi
case $host in 0.0.0.0) host=127.0.0.1 ;; ::) host=::1 ;; esac
if [[ $host == *:* ]]; then authority="[$host]:$port"; else authority="$host:$port"; fi

headers=
if [[ -r $dir/api-token ]]; then
    read -r token < "$dir/api-token"
    [[ $token =~ ^[0-9a-f]+$ ]] || jvm
    headers+="Authorization: Bearer $token"$'\r\n'
fi
for variable in COMMAND CONTAINERID NETNS IFNAME ARGS; do
    name=CNI_$variable
    [[ -n ${!name+set} ]] || continue
    value=${!name}
    [[ $value == *[^[:print:]]* ]] && jvm # a header carries printable ASCII only
    lower=${variable,,}
    headers+="Cni-${lower^}: $value"$'\r\n'
done
# The router opens the pod's namespace as this process holds it: the runtime's path may exist only in its own mount
# namespace. One that cannot be opened is left to the JVM, which answers with the spec's code.
if [[ ($CNI_COMMAND == ADD || $CNI_COMMAND == CHECK) && -n $CNI_NETNS ]]; then
    { exec 3< "$CNI_NETNS"; } 2> /dev/null || jvm
    headers+="Weft-Netns-Held: /proc/$$/fd/3"$'\r\n'
fi

{ exec 4<> "/dev/tcp/$host/$port"; } 2> /dev/null || jvm
printf 'POST /cni HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n%s\r\n%s' \
    "$authority" "${#config}" "$headers" "$config" >&4 2> /dev/null || jvm

# As long as the router's API gives an ADD (it waits up to a minute for the allocator), and some more.
IFS= read -r -t 90 status_line <&4 || jvm
[[ $status_line == 'HTTP/1.1 200 '* ]] || jvm # 404: a router that does not serve CNI calls
exit_status= length=0
while IFS= read -r -t 90 line <&4; do
    line=${line%$'\r'}
    [[ -z $line ]] && break
    case ${line,,} in
        weft-cni-exit:*) exit_status=${line#*:} ;;
        content-length:*) length=${line#*:} ;;
    esac
done
exit_status=${exit_status// /} length=${length// /}
[[ $exit_status =~ ^[0-9]{1,3}$ && $length =~ ^[0-9]{1,7}$ ]] || jvm
body=
if ((length > 0)); then
    IFS= read -r -t 90 -N "$length" body <&4 || jvm
fi
printf '%s' "$body"
exit "$exit_status"
