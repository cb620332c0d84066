# shellcheck shell=bash
# Finds a JDK 25 or newer for Weft. Sourced by ./weft and every script in scripts/.
#
#   source scripts/lib/jdk.sh
#   weft_find_jdk || exit 1     # sets and exports WEFT_JDK (a JDK home); prints what to install if there is none
#   weft_maven_env              # then, before running mvn: JAVA_HOME and MAVEN_OPTS for Maven on that JDK
#
# Order: $JAVA_HOME if it is 25+, then the newest 25+ JDK under /usr/lib/jvm (or $WEFT_JVM_DIRS,
# a space-separated list of directories to search instead).

WEFT_MIN_JAVA=25

# Prints the feature release (17, 21, 25, ...) of the JDK at $1, or nothing if it is not a JDK.
weft_jdk_feature() {
    local home=$1 version=
    [[ -x $home/bin/java ]] || return 1
    if [[ -r $home/release ]]; then
        version=$(sed -n 's/^JAVA_VERSION="\([^"]*\)".*/\1/p' "$home/release")
    fi
    if [[ -z $version ]]; then
        # No release file (unusual layout): ask the JVM itself; -version prints to stderr.
        version=$("$home/bin/java" -version 2>&1 | sed -n 's/.* version "\([^"]*\)".*/\1/p' | head -n 1)
    fi
    version=${version#1.}              # "1.8.0_402" -> "8.0_402"
    version=${version%%[!0-9]*}        # "25.0.3" -> "25", "26-ea" -> "26"
    [[ -n $version ]] || return 1
    printf '%s\n' "$version"
}

# Sets WEFT_JDK to a JDK home of release 25 or newer; on failure says what to install and returns 1.
weft_find_jdk() {
    local dir candidate feature best='' best_feature=0
    if [[ -n ${JAVA_HOME:-} ]]; then
        feature=$(weft_jdk_feature "$JAVA_HOME") || feature=0
        if (( feature >= WEFT_MIN_JAVA )); then
            export WEFT_JDK=$JAVA_HOME
            return 0
        fi
    fi
    for dir in ${WEFT_JVM_DIRS:-/usr/lib/jvm}; do
        for candidate in "$dir"/*; do
            feature=$(weft_jdk_feature "$candidate") || continue
            if (( feature >= WEFT_MIN_JAVA && feature > best_feature )); then
                best=$candidate
                best_feature=$feature
            fi
        done
    done
    if [[ -n $best ]]; then
        export WEFT_JDK=$best
        return 0
    fi
    {
        echo "Weft needs a JDK $WEFT_MIN_JAVA or newer, and none was found${JAVA_HOME:+ (JAVA_HOME=$JAVA_HOME is older)}."
        echo "Install Temurin $WEFT_MIN_JAVA (https://adoptium.net/installation/linux/: apt-get install temurin-$WEFT_MIN_JAVA-jdk,"
        echo "which lands in /usr/lib/jvm/temurin-$WEFT_MIN_JAVA-jdk-amd64), or set JAVA_HOME to a JDK $WEFT_MIN_JAVA+ home."
    } >&2
    return 1
}

# Exports JAVA_HOME=$WEFT_JDK and MAVEN_OPTS with the flags Maven needs on it (after weft_find_jdk), keeping
# the caller's MAVEN_OPTS. The one place these are set: every script that runs mvn calls this.
weft_maven_env() {
    [[ -n ${WEFT_JDK:-} ]] || { echo "weft_maven_env: call weft_find_jdk first" >&2; return 1; }
    export JAVA_HOME=$WEFT_JDK
    # Maven 3.8's bundled Guava uses sun.misc.Unsafe memory access, which JDK 25 warns about on every run.
    local flag=--sun-misc-unsafe-memory-access=allow
    case " ${MAVEN_OPTS:-} " in
        *" $flag "*) ;;
        *) export MAVEN_OPTS="$flag${MAVEN_OPTS:+ $MAVEN_OPTS}" ;;
    esac
}

# The JVM flags of the short-lived `weft` commands (every verb but `router`, which runs the daemon in its JVM): the
# serial collector and C1 alone start sooner, and a class-data cache (JDK 25's AOT cache, cli/target/weft.aot) that
# scripts/setup.sh trains with these same flags loads and links the classes ahead of time. The cache must match the
# JVM's flags and jar exactly; the JVM ignores one that does not (silently, with these -Xlog options).
WEFT_CLI_JAVA_FLAGS=(--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1)
weft_cli_cache() { printf '%s\n' "${1:?usage: weft_cli_cache WEFT_HOME}/cli/target/weft.aot"; }
