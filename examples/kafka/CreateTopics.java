// Creates Kafka topics (1 partition, replication factor 1) in one JVM and
// waits until each has a leader. broker.sh runs it with Java's single-file
// source launcher against the broker's own jars, so there is nothing to build:
//
//   java -cp "<cache>/libs/*" CreateTopics.java <bootstrap> <timeout-s> <topic>...
//
// It also serves as the readiness probe: it retries until the broker answers
// and its group coordinator is up, or the timeout runs out, and exits non-zero
// if anything is still missing then. Topics that already exist are fine.

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.TopicExistsException;

public class CreateTopics {
    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: CreateTopics <bootstrap> <timeout-seconds> [topic...]");
            System.exit(2);
        }
        String bootstrap = args[0];
        long deadline = System.nanoTime() + Long.parseLong(args[1]) * 1_000_000_000L;
        List<String> pending = new ArrayList<>(List.of(args).subList(2, args.length));

        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tracewire-create-topics");
        // Short timeouts: we loop ourselves until the overall deadline.
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, "100");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");

        String lastError = "broker did not answer";
        try (Admin admin = Admin.create(props)) {
            // Readiness: the broker has joined its own quorum and serves metadata.
            while (true) {
                try {
                    admin.describeCluster().nodes().get();
                    break;
                } catch (ExecutionException e) {
                    lastError = String.valueOf(e.getCause());
                }
                giveUpIfLate(deadline, lastError, pending);
                Thread.sleep(200);
            }

            while (!pending.isEmpty()) {
                List<NewTopic> topics = new ArrayList<>();
                for (String name : pending) {
                    topics.add(new NewTopic(name, 1, (short) 1));
                }
                Map<String, KafkaFuture<Void>> created = admin.createTopics(topics).values();
                List<String> failed = new ArrayList<>();
                for (String name : pending) {
                    try {
                        created.get(name).get();
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            lastError = name + ": " + e.getCause();
                            failed.add(name);
                        }
                    }
                }
                // Created is not yet usable: wait until every partition has a leader,
                // so that a producer started right after us does not race the broker.
                for (String name : pending) {
                    if (failed.contains(name)) {
                        continue;
                    }
                    try {
                        TopicDescription d = admin.describeTopics(List.of(name))
                                .allTopicNames().get().get(name);
                        if (d.partitions().stream().anyMatch(p -> p.leader() == null)) {
                            lastError = name + ": no leader yet";
                            failed.add(name);
                        }
                    } catch (ExecutionException e) {
                        lastError = name + ": " + e.getCause();
                        failed.add(name);
                    }
                }
                pending = failed;
                if (!pending.isEmpty()) {
                    giveUpIfLate(deadline, lastError, pending);
                    Thread.sleep(200);
                }
            }

            // The group coordinator's topic (__consumer_offsets) is only created
            // when a client first looks for a coordinator, and the first consumer
            // group then stalls (kafkajs even logs an ERROR for it). Fetch the
            // offsets of a group that does not exist: that finds the coordinator,
            // which creates the topic, and succeeds once the coordinator is loaded.
            while (true) {
                try {
                    admin.listConsumerGroupOffsets("tracewire-warmup")
                            .partitionsToOffsetAndMetadata().get();
                    break;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof GroupIdNotFoundException) {
                        break; // the coordinator answered: that is all we need
                    }
                    lastError = "group coordinator: " + e.getCause();
                }
                giveUpIfLate(deadline, lastError, pending);
                Thread.sleep(200);
            }
        }
        if (args.length > 2) {
            System.out.println("topics ready: " + String.join(",", List.of(args).subList(2, args.length)));
        }
    }

    private static void giveUpIfLate(long deadline, String lastError, List<String> pending) {
        if (System.nanoTime() > deadline) {
            System.err.println("CreateTopics: timed out; last error: " + lastError
                    + (pending.isEmpty() ? "" : "; topics not ready: " + String.join(",", pending)));
            System.exit(1);
        }
    }
}
