package dev.s4d.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Runs a test's blocking task (a server loop, a client flooding a socket) on a daemon thread of its
 * own. Not on the common pool: on two cores that has one worker, so one task blocked in a socket
 * write there holds up every later task in the JVM, and a single failing test takes the rest of
 * its class down with it.
 */
final class OwnThread {
    private static final Executor EXECUTOR = task -> Thread.ofPlatform().daemon().name("test-task").start(task);

    private OwnThread() {
    }

    static <T> CompletableFuture<T> supply(Supplier<T> task) {
        return CompletableFuture.supplyAsync(task, EXECUTOR);
    }

    static CompletableFuture<Void> run(Runnable task) {
        return CompletableFuture.runAsync(task, EXECUTOR);
    }
}
