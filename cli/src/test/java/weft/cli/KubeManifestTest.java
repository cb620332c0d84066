package weft.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import weft.api.Endpoint;
import weft.kube.addon.NodeReclaim;
import weft.router.RouterConfig;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The manifests of {@code deploy/kubernetes/weft.yaml}, read with fabric8's typed model, against what the code
 * expects: the commands parse as Weft's own command line, the variables set are those the router reads and each
 * changes what it does, the mounts are where the commands look, the probe is the API's status path, and the RBAC
 * rules cover what the addon asks of the API server.
 */
@EnableKubernetesMockClient
class KubeManifestTest {
    private static final Path MANIFEST = Path.of(System.getProperty("user.dir")).getParent().resolve("deploy/kubernetes/weft.yaml");
    /** What the router reads from the environment in the DaemonSet, and nothing else may be set there. */
    private static final Set<String> READ = Set.of("NODE_NAME", "POD_NAMESPACE", "IPALLOC_RANGE", "CONN_LIMIT", "WEFT_PASSWORD",
            "WEFT_MTU", "WEFT_NO_FASTDP");

    KubernetesClient client;
    private List<HasMetadata> objects;
    private DaemonSet daemonSet;
    private PodSpec pod;

    @BeforeEach
    void load() throws Exception {
        try (InputStream in = Files.newInputStream(MANIFEST)) {
            objects = client.load(in).items();
        }
        daemonSet = only(DaemonSet.class);
        pod = daemonSet.getSpec().getTemplate().getSpec();
    }

    private <T extends HasMetadata> T only(Class<T> kind) {
        List<T> found = objects.stream().filter(kind::isInstance).map(kind::cast).toList();
        assertEquals(1, found.size(), "one " + kind.getSimpleName() + " in " + MANIFEST);
        return found.getFirst();
    }

    private Container container(String name) {
        return java.util.stream.Stream.concat(pod.getInitContainers().stream(), pod.getContainers().stream())
                .filter(c -> c.getName().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no container " + name));
    }

    /** The container's command as Weft's command line parses it: its verb and options must be Weft's. */
    private static CommandLine parsed(Container container) {
        List<String> command = container.getCommand();
        assertEquals("/opt/weft/weft", command.get(0), "the image's launcher");
        Weft.Verb verb = Weft.VERBS.stream().filter(v -> v.name().equals(command.get(1))).findFirst()
                .orElseThrow(() -> new AssertionError("no verb " + command.get(1)));
        return CommandLine.parse(verb.name(), verb.options(), command.subList(2, command.size()));
    }

    /** The container's environment with the downward API filled in as a kubelet would, and the optional Secret absent. */
    private static Map<String, String> environment(Container container) {
        Map<String, String> environment = new HashMap<>();
        for (EnvVar variable : container.getEnv()) {
            if (variable.getValueFrom() == null) {
                environment.put(variable.getName(), variable.getValue());
            } else if (variable.getValueFrom().getFieldRef() != null) {
                String field = variable.getValueFrom().getFieldRef().getFieldPath();
                environment.put(variable.getName(), switch (field) {
                    case "spec.nodeName" -> "node-a";
                    case "metadata.namespace" -> "kube-system";
                    default -> throw new AssertionError("a field the test does not know: " + field);
                });
            } else {
                assertTrue(variable.getValueFrom().getSecretKeyRef().getOptional(), variable.getName() + " needs a Secret nobody made");
            }
        }
        return environment;
    }

    private VolumeMount mount(Container container, String volume) {
        return container.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError(container.getName() + " does not mount " + volume));
    }

    private String hostPath(String volume) {
        Volume found = pod.getVolumes().stream().filter(v -> v.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + volume));
        return found.getHostPath().getPath();
    }

    @Test
    void theRouterRunsOnEveryNodeInTheHostsNetworkOneNodeAtATimeOnUpgrade() {
        assertEquals(KubeRouter.DEFAULT_NAMESPACE, daemonSet.getMetadata().getNamespace());
        assertTrue(pod.getHostNetwork());
        assertTrue(pod.getHostPID(), "the plugin hands the router /proc/PID/fd/N of a host process");
        assertTrue(pod.getTolerations().stream().anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null && t.getEffect() == null),
                "some taint keeps the network off a node");
        assertEquals("RollingUpdate", daemonSet.getSpec().getUpdateStrategy().getType());
        assertEquals(1, daemonSet.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());
        assertEquals(container("weft-init").getImage(), container("weft").getImage());
        assertTrue(container("weft").getSecurityContext().getPrivileged());
    }

    @Test
    void theRoutersCommandAndVariablesAreOnesItReadsAndEachChangesWhatItDoes() {
        Container router = container("weft");
        CommandLine line = parsed(router);
        assertEquals("router", router.getCommand().get(1));
        assertTrue(line.flag(KubeRouter.KUBE.name()));
        Map<String, String> environment = environment(router);
        Set<String> set = router.getEnv().stream().map(EnvVar::getName).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(READ), set, "the DaemonSet sets variables the router does not read, or misses some it does");

        assertEquals("node-a", KubeRouter.nodeName(line, environment));
        RouterConfig config = RouterOptions.parse(line, environment);
        assertEquals(environment.get("IPALLOC_RANGE"), config.overlayRange().toString());
        assertEquals(Integer.parseInt(environment.get("CONN_LIMIT")), config.connectionLimit());
        assertTrue(config.fastPath() && config.fixedMtu().isEmpty() && config.password().isEmpty(), "the empty defaults changed something");
        Map<String, String> changed = new HashMap<>(environment);
        changed.putAll(Map.of("WEFT_MTU", "1400", "WEFT_NO_FASTDP", "1", "WEFT_PASSWORD", "from the secret"));
        RouterConfig changedConfig = RouterOptions.parse(line, changed);
        assertEquals(1400, changedConfig.fixedMtu().orElseThrow().bytes());
        assertFalse(changedConfig.fastPath());
        assertTrue(changedConfig.password().isPresent());

        assertEquals(config.dataDirectory().toString(), mount(router, "data").getMountPath());
        assertEquals(config.dataDirectory().toString(), hostPath("data"), "the data directory must outlive the pod");
        assertEquals("/etc/machine-id", mount(router, "machine-id").getMountPath());
        assertTrue(mount(router, "machine-id").getReadOnly());
        assertEquals("/run/xtables.lock", mount(router, "xtables-lock").getMountPath());

        var probe = router.getReadinessProbe().getHttpGet();
        assertEquals(Endpoint.STATUS.path(), probe.getPath());
        assertEquals(config.httpAddress().getPort(), probe.getPort().getIntVal());
        assertEquals(config.httpAddress().getAddress().getHostAddress(), probe.getHost());
    }

    @Test
    void theInitStepInstallsThePluginWhereTheHostsRuntimeLooksAtTheSamePaths() {
        Container init = container("weft-init");
        CommandLine line = parsed(init);
        assertEquals("setup-cni", init.getCommand().get(1));
        assertTrue(line.flag("copy-runtime"), "the host cannot run the plugin from inside the image");
        for (var entry : Map.of("bin-dir", "cni-bin", "conf-dir", "cni-conf").entrySet()) {
            String dir = line.value(entry.getKey()).orElseThrow();
            assertEquals(dir, mount(init, entry.getValue()).getMountPath());
            assertEquals(dir, hostPath(entry.getValue()), "the plugin's paths must be the same in the container and on the host");
        }
        assertEquals(parsed(container("weft")).value("data-dir"), line.value("data-dir"), "the plugin would look for another router");
    }

    @Test
    void theServiceAccountMayDoWhatTheAddonAsksAndLittleElse() {
        ServiceAccount account = only(ServiceAccount.class);
        assertEquals(account.getMetadata().getName(), pod.getServiceAccountName());
        ClusterRoleBinding clusterBinding = only(ClusterRoleBinding.class);
        RoleBinding binding = only(RoleBinding.class);
        for (var subject : List.of(clusterBinding.getSubjects().getFirst(), binding.getSubjects().getFirst())) {
            assertEquals(account.getMetadata().getName(), subject.getName());
            assertEquals(account.getMetadata().getNamespace(), subject.getNamespace());
        }
        assertEquals(only(ClusterRole.class).getMetadata().getName(), clusterBinding.getRoleRef().getName());
        Role role = only(Role.class);
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(daemonSet.getMetadata().getNamespace(), role.getMetadata().getNamespace(), "the ConfigMap lives in the pod's namespace");

        Set<String> granted = new TreeSet<>();
        for (PolicyRule rule : only(ClusterRole.class).getRules()) {
            for (String resource : rule.getResources()) for (String verb : rule.getVerbs()) granted.add(resource + " " + verb);
        }
        // the policy controller's informers list and watch; nothing it reads is written
        assertEquals(new TreeSet<>(Set.of("nodes get", "nodes list", "nodes watch", "nodes/status patch", "nodes/status update",
                "pods list", "pods watch", "namespaces list", "namespaces watch", "networkpolicies list", "networkpolicies watch")), granted);
        Set<String> onConfigMaps = new TreeSet<>();
        for (PolicyRule rule : role.getRules()) {
            assertEquals(List.of("configmaps"), rule.getResources());
            String names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? "*" : String.join(",", rule.getResourceNames());
            for (String verb : rule.getVerbs()) onConfigMaps.add(names + " " + verb);
        }
        // create cannot name its object; everything else only on the ConfigMap of peers
        assertEquals(new TreeSet<>(Set.of("* create", NodeReclaim.CONFIG_MAP + " get", NodeReclaim.CONFIG_MAP + " update")), onConfigMaps);
    }
}
