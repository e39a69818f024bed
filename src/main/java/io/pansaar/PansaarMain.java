package io.pansaar;

import io.pansaar.simulator.SimulatorCommand;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;

/** The application's entry point: {@code simulate ...} runs the cache simulator without starting the server. */
@QuarkusMain
public class PansaarMain {

    /** Runs the simulator for {@code simulate}, otherwise starts Pansaar. */
    public static void main(String... args) {
        if (args.length > 0 && args[0].equals("simulate")) {
            System.exit(SimulatorCommand.run(args));
        }
        Quarkus.run(args);
    }
}
