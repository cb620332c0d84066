#!/bin/sh
# Builds the guest of XfrmEspVmTest in WORK (which holds req/*.bin, the requests Weft encoded, and what the guest
# expects of them) and boots it with
# Debian's kernel under software emulation; the guest's console goes to stdout. Needs qemu-system-x86,
# busybox-static, cpio, gcc and a Debian linux-image (6.1, with its modules and modules.dep): the one
# scripts/setup.sh unpacks into /var/cache/weft/vm-kernel (or $WEFT_VM_KERNEL_ROOT), else one installed under /boot.
#   boot.sh WORK
set -eu
work=$1
here=$(cd "$(dirname "$0")" && pwd)
kernel_root=${WEFT_VM_KERNEL_ROOT:-/var/cache/weft/vm-kernel}
ls "$kernel_root"/boot/vmlinuz-* >/dev/null 2>&1 || kernel_root=
kernel=$(ls "$kernel_root"/boot/vmlinuz-* | sort -V | tail -n 1)
version=${kernel##*/vmlinuz-}
modules=$kernel_root/lib/modules/$version
[ -f "$modules/modules.dep" ] || { echo "WEFT-ESP-VM: FAIL no $modules/modules.dep (run depmod -b)"; exit 1; }
root=$work/root
rm -rf "$root" && mkdir -p "$root/bin" "$root/sbin" "$root/modules" "$root/proc" "$root/sys" "$root/dev" "$root/req" "$root/etc"
cp /bin/busybox "$root/bin/busybox"
cp "$here/init" "$root/init" && chmod 755 "$root/init"
gcc -static -O1 -o "$root/vmtool" "$here/vmtool.c"
cp "$work"/req/* "$root/req/"

# iproute2 from this machine, with the libraries it links
cp "$(command -v ip)" "$root/sbin/ip"
for library in $(ldd "$(command -v ip)" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")" && cp -L "$library" "$root$library"
done

# the modules and everything they need, dependencies first (modules.dep lists them after the module)
order() {
    deps=$(grep "^$1:" "$modules/modules.dep" | cut -d: -f2)
    for dep in $deps; do order "$dep"; done
    grep -qx "$1" "$root/modules.order" 2>/dev/null || echo "$1" >> "$root/modules.order"
}
: > "$root/modules.order"
# The guest has no modprobe, so nothing the kernel would load on demand may be missing: seqiv (the IV generator
# of rfc4106) draws from the default RNG, drbg with hmac(sha512) (which seeds itself without jitterentropy, whose
# module does not load into this kernel). The generic AES is built in (AES-NI would not load on the emulated CPU).
for name in xfrm_user esp4 sha512_generic drbg gcm ghash-generic ctr seqiv veth vxlan; do
    order "$(grep -o "^[^:]*/$name\.ko[^:]*" "$modules/modules.dep" | head -n 1)"
done
while read -r path; do
    mkdir -p "$root/modules/$(dirname "$path")"
    case $path in
        *.xz) xz -dc "$modules/$path" > "$root/modules/${path%.xz}" ;;
        *.zst) zstd -qdc "$modules/$path" > "$root/modules/${path%.zst}" ;;
        *) cp "$modules/$path" "$root/modules/$path" ;;
    esac
done < "$root/modules.order"
sed -i 's/\.\(xz\|zst\)$//' "$root/modules.order"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"
exec qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nographic -no-reboot -net none \
    -kernel "$kernel" -initrd "$work/initrd.gz" -append "console=ttyS0 panic=-1 rdinit=/init quiet"
