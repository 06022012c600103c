using System.CommandLine;
using System.Globalization;
using System.Text;
using Choria.Cli.Hosting;
using Choria.Protocol.Lifecycle;

namespace Choria.Cli.Commands.Tool;

/// <summary>
/// <c>choria tool event</c>: prints lifecycle events as they arrive (docs/cli-tools.md) until interrupted.
/// </summary>
public static class ToolEventCommand
{
    public const string Subject = "choria.lifecycle.event.>";

    public static Command Create()
    {
        var component = new Option<string?>("--component") { Description = "Limit events to a certain component" };
        var type = new Option<string?>("--type") { Description = "Limit events to a certain type" };
        type.AcceptOnlyFromAmong("alive", "provisioned", "shutdown", "startup");
        var json = new Option<bool>("--json") { Description = "Print each event as JSON on its own line" };
        var connectTimeout = RawNats.ConnectTimeoutOption();

        var cmd = new Command("event", "View Choria lifecycle events");
        cmd.Options.Add(component);
        cmd.Options.Add(type);
        cmd.Options.Add(json);
        cmd.Options.Add(connectTimeout);
        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(
            parse,
            async token =>
            {
                var output = parse.InvocationConfiguration.Output;
                var filter = new LifecycleEventFilter(parse.GetValue(component), parse.GetValue(type));
                var mode = parse.GetValue(GlobalOptions.Debug) ? EventOutputMode.Raw : parse.GetValue(json) ? EventOutputMode.Json : EventOutputMode.Text;
                using var framework = await CliRuntime.ClientFrameworkAsync(parse, token);
                // Bounded like tool sub/pub: the connector would otherwise retry a dead broker forever.
                await using var connection = await RawNats.ConnectAsync(framework, RawNats.ValueOr(parse, connectTimeout, RawNats.DefaultConnectTimeout), token);
                await using var subscription = await connection.SubscribeAsync(Subject, cancellationToken: token);
                if (mode != EventOutputMode.Json)
                {
                    await output.WriteLineAsync($"Waiting for events from topic {Subject} on {connection.ConnectedServerUrl}");
                }

                try
                {
                    await foreach (var message in subscription.ReadAllAsync(token))
                    {
                        if (LifecycleEventFormatter.Render(message.Data.Span, filter, mode, TimeProvider.System.GetLocalNow()) is { } line)
                        {
                            await output.WriteLineAsync(line);
                            await output.FlushAsync(token);
                        }
                    }
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Interrupted: the normal end of this command.
                }

                return 0;
            },
            ct));
        return cmd;
    }
}

public enum EventOutputMode
{
    Text,
    Json,
    Raw,
}

/// <summary>Component/type selection of <c>tool event</c>; null matches anything.</summary>
public sealed record LifecycleEventFilter(string? Component, string? Type)
{
    public bool Matches(LifecycleEvent e) =>
        (string.IsNullOrEmpty(Component) || e.Component == Component)
        && (string.IsNullOrEmpty(Type) || LifecycleEvent.TypeName(e.Type) == Type);
}

/// <summary>The lines <c>tool event</c> prints.</summary>
public static class LifecycleEventFormatter
{
    /// <summary>go-lifecycle's <c>String()</c> of each event type.</summary>
    public static string Describe(LifecycleEvent e) => e.Type switch
    {
        LifecycleEventType.Startup => $"[startup] {e.Identity}: {e.Component} version {e.Version}",
        LifecycleEventType.Alive => $"[alive] {e.Identity}: {e.Component} version {e.Version}",
        LifecycleEventType.Shutdown => $"[shutdown] {e.Identity}: {e.Component}",
        LifecycleEventType.Provisioned => $"[provisioned] {e.Identity}: {e.Component}",
        _ => $"[{LifecycleEvent.TypeName(e.Type)}] {e.Identity}: {e.Component}",
    };

    /// <summary><c>HH:MM:SS [type] identity: ...</c> with the receive time.</summary>
    public static string Line(LifecycleEvent e, DateTimeOffset received) =>
        $"{received.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {Describe(e)}";

    /// <summary>The output line for one received message, or null when it is unparseable or filtered out.</summary>
    public static string? Render(ReadOnlySpan<byte> data, LifecycleEventFilter filter, EventOutputMode mode, DateTimeOffset received)
    {
        if (!LifecycleEvent.TryParse(data, out var parsed, out _) || !filter.Matches(parsed.Event))
        {
            return null;
        }

        return mode switch
        {
            EventOutputMode.Raw => Encoding.UTF8.GetString(data),
            EventOutputMode.Json => Encoding.UTF8.GetString(parsed.Event.ToChoriaJson()),
            _ => Line(parsed.Event, received),
        };
    }
}
