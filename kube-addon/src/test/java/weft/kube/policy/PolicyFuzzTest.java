package weft.kube.policy;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * NetworkPolicy objects as the controller reads them into its {@link PolicyCluster} (YAML or JSON, made into
 * fabric8's model as the client does): the objects may come from a laxer server than ours. A finding is a policy that
 * {@link KubePolicies#policy} answers with anything but an {@link IllegalArgumentException} naming what in it is
 * wrong, or a rebuild that does not end with the policy either enforced or refused.
 */
class PolicyFuzzTest {
    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @FuzzTest
    void networkPolicy(byte[] object) {
        NetworkPolicy policy;
        try {
            policy = serialization.unmarshal(new ByteArrayInputStream(object), NetworkPolicy.class);
        } catch (RuntimeException notAnObject) {
            return; // fabric8 refused it: no policy reaches the controller
        }
        if (policy == null) return;
        try {
            KubePolicies.policy(policy);
        } catch (IllegalArgumentException refused) {
            assertNotNull(refused.getMessage());
        }
        PolicyCluster cluster = KubePolicies.cluster(List.of(), List.of(), List.of(policy));
        assertEquals(1, cluster.policies().size() + cluster.refused().size());
        cluster.refused().forEach(reason -> assertFalse(reason.isBlank()));
    }
}
