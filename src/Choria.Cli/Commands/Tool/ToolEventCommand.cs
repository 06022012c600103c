using System.CommandLine;
using Choria.Cli.Hosting;

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
