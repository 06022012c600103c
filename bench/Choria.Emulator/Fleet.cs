using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Choria.Config;
using Choria.Framework.Hosting;
using Choria.Framework;
using Choria.Server.Runtime;

namespace Choria.Emulator;

/// <summary>How the emulated fleet is built; the per-instance limits are what keeps 10,000 nodes in one process.</summary>
internal sealed record FleetOptions
{
    public int Instances { get; init; } = 100;

    public string IdentityPrefix { get; init; } = "emulated-";

    /// <summary>Distinct fact groups; every instance also has facts of its own (its index and identity).</summary>
    public int FactsVariety { get; init; } = 10;

    /// <summary>Instances connecting at once.</summary>
    public int Batch { get; init; } = 200;

    /// <summary>Workers per instance: an emulated node answers one request at a time like a quiet real one.</summary>
    public int Concurrency { get; init; } = 1;

    public int QueueSize { get; init; } = 64;

    /// <summary>NATS.Net reader and writer buffer per connection (default 64 KiB each).</summary>
    public int SocketBuffer { get; init; } = 8 * 1024;

    public int SubscriptionCapacity { get; init; } = 64;

    public bool Plain { get; init; }
}

/// <summary>
/// N <see cref="ServerInstance"/>s in one process: each with its own identity, facts, NATS connection,
/// subscriptions and request pipeline; the framework (security provider and its certificate cache,
/// loggers, configuration) is shared as a real host would not duplicate it.
/// </summary>
/// <param name="compose">The agents and components each instance runs beyond the built-ins; null for the plain scale fleet.</param>
internal sealed class Fleet(ChoriaFramework framework, ChoriaConfig config, FleetOptions options, Func<FleetMember, ServerInstance, ServerParts>? compose = null)
{
    private readonly List<Task> _running = [];

    /// <summary><paramref name="server"/> with the per-instance limits that keep thousands of instances in one process.</summary>
    public ServerOptions Tune(ServerOptions server) => server with
    {
        Concurrency = options.Concurrency,
        QueueSize = options.QueueSize,
        TuneConnector = c => c with
        {
            WriterBufferSize = options.SocketBuffer,
            ReaderBufferSize = options.SocketBuffer,
            SubscriptionCapacity = options.SubscriptionCapacity,
        },
    };

    public async Task<TimeSpan> StartAsync(CancellationToken cancellationToken)
    {
        var template = Tune(ServerOptions.FromConfig(config)) with { DisableTls = options.Plain };
        var watch = Stopwatch.StartNew();
        for (var first = 0; first < options.Instances; first += options.Batch)
        {
            var count = Math.Min(options.Batch, options.Instances - first);
            var ready = new List<Task>(count);
            for (var i = first; i < first + count; i++)
            {
                var signal = new ReadySignal();
                var identity = options.IdentityPrefix + i.ToString(CultureInfo.InvariantCulture);
                var server = template with { Identity = identity, Facts = Facts(i, identity) };
                var parts = new ServerParts { Components = [signal] };
                Task run;
                if (compose is null)
                {
                    run = new ServerInstance(framework, server, _ => parts).RunAsync(cancellationToken);
                }
                else
                {
                    var member = new FleetMember(identity, i, CancellationTokenSource.CreateLinkedTokenSource(cancellationToken));
                    run = member.Run(new ServerInstance(framework, server, instance => parts.Then(compose(member, instance))));
                }

                _running.Add(run);
                // A failed start must not leave the batch waiting forever.
                ready.Add(Task.WhenAny(signal.Ready, run).Unwrap());
            }

            await Task.WhenAll(ready).WaitAsync(cancellationToken);
        }

        return watch.Elapsed;
    }

    /// <summary>Waits for every instance to shut down after the start token was cancelled.</summary>
    public async Task StopAsync()
    {
        try
        {
            await Task.WhenAll(_running);
        }
        catch (OperationCanceledException)
        {
            // Instances still connecting when cancelled.
        }
    }

    public JsonElement Facts(int index, string identity)
    {
        var group = index % Math.Max(1, options.FactsVariety);
        using var doc = JsonDocument.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
            {"emulated":true,"instance":{{index}},"identity":"{{identity}}","group":"group{{group}}",
             "os":{"family":"{{(group % 2 == 0 ? "RedHat" : "Debian")}}","release":"{{8 + (group % 3)}}"},
             "role":"{{(index % 10 == 0 ? "db" : "web")}}","datacenter":"dc{{index % 4}}"}
            """));
        return doc.RootElement.Clone();
    }

    /// <summary>Components start once the subscriptions are flushed: this one marks the instance as answering.</summary>
    internal sealed class ReadySignal : IChoriaComponent
    {
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Name => "emulator-ready";

        public Task Ready => _ready.Task;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ready.TrySetResult();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}

/// <summary>One instance of a <see cref="Fleet"/> built with a compose hook: it can be stopped on its own (a restart).</summary>
internal sealed class FleetMember(string identity, int index, CancellationTokenSource stop)
{
    private Task _running = Task.CompletedTask;

    public int Index => index;

    public string Identity => identity;

    internal Task Run(ServerInstance instance)
    {
        _running = RunAsync(instance);
        return _running;
    }

    /// <summary>Stops this instance alone and waits until it has shut down; false when the stop overran soft_shutdown_timeout.</summary>
    public async Task<bool> StopAsync()
    {
        await stop.CancelAsync();
        try
        {
            await _running;
            return true;
        }
        catch (TimeoutException)
        {
            // Stopped all the same, only not cleanly: `choria server run` then exits 1 instead of re-executing itself,
            // and its service manager starts it again.
            return false;
        }
    }

    private async Task RunAsync(ServerInstance instance)
    {
        try
        {
            await instance.RunAsync(stop.Token);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped while connecting or shutting down.
        }
    }
}
