using Choria.OneRequestFloor;

// Issue 25: the floor of a one-request command. Each mode does the necessary work of `choria req rpcutil ping
// --nodes <one node>` at one layer, with nothing else, so bench/floor.sh can set the command's cost against it.
// Exit status 0 only after a real reply; no reply within --timeout is 1.
// `start` does nothing: this binary's own start and exit, the floor's counterpart of `choria buildinfo`.
// `fanout` is the transport floor of bench/cli.sh's request to many servers: one message to N echo processes.
if (args is ["start"])
{
    return 0;
}

var options = FloorOptions.Parse(args);
if (options is null)
{
    await Console.Error.WriteLineAsync(FloorOptions.Usage).ConfigureAwait(false);
    return 2;
}

if (options.Mode != "nats-plain")
{
    TrustStore.Hide();
}

try
{
    return options.Mode switch
    {
        "echo" => await NatsFloor.EchoAsync(options).ConfigureAwait(false),
        "nats" => await NatsFloor.RoundTripAsync(options, plain: false).ConfigureAwait(false),
        "nats-plain" => await NatsFloor.RoundTripAsync(options, plain: true).ConfigureAwait(false),
        "fanout" => await NatsFloor.FanOutAsync(options).ConfigureAwait(false),
        _ => await ChoriaFloor.RoundTripAsync(options).ConfigureAwait(false),
    };
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync($"no reply within {options.TimeoutSeconds}s").ConfigureAwait(false);
    return 1;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    await Console.Error.WriteLineAsync($"{options.Mode}: {e.Message}").ConfigureAwait(false);
    return 1;
}
