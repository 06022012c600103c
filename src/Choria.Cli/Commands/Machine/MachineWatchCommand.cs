using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Choria.Cli.Commands.Tool;
using Choria.Cli.Hosting;
using Choria.Protocol.Subjects;

namespace Choria.Cli.Commands.Machine;

/// <summary>
/// <c>choria machine watch</c>: prints machine transitions and watcher states from the broker, one line each (or the
/// events as JSON), until interrupted.
/// </summary>
public static class MachineWatchCommand
{
    public static Command Create()
    {
        var transitions = new Option<bool>("--transitions") { Description = "Show transitions (default: both transitions and watcher states)" };
        var watchers = new Option<bool>("--watchers") { Description = "Show watcher states" };
        var types = new Option<string[]>("--type") { Description = "Watcher types to show (repeatable; default all)", AllowMultipleArgumentsPerToken = false };
        var identity = new Option<string?>("--identity") { Description = "Only events from this node" };
        var machine = new Option<string?>("--machine") { Description = "Only events of this machine" };
        var json = new Option<bool>("--json") { Description = "Print each event as received, one JSON document per line" };
        var connectTimeout = RawNats.ConnectTimeoutOption();
        var cmd = new Command("watch", "Watches autonomous agent events on the network");
        foreach (var option in new Option[] { transitions, watchers, types, identity, machine, json, connectTimeout })
        {
            cmd.Options.Add(option);
        }

        cmd.SetAction(async (parse, ct) => await CliRuntime.RunAsync(
            parse,
            async token =>
            {
                var output = parse.InvocationConfiguration.Output;
                var both = !parse.GetValue(transitions) && !parse.GetValue(watchers);
                var subjects = new List<string>();
                if (both || parse.GetValue(transitions))
                {
                    subjects.Add(ChoriaSubjects.MachineTransition);
                }

                if (both || parse.GetValue(watchers))
                {
                    var kinds = parse.GetValue(types) is { Length: > 0 } t ? t : ["*"];
                    subjects.AddRange(kinds.Select(ChoriaSubjects.MachineWatcherState));
                }

                var filter = new MachineEventFilter(parse.GetValue(identity), parse.GetValue(machine));
                var colour = !Console.IsOutputRedirected && parse.GetValue(json) is false;
                using var framework = await CliRuntime.ClientFrameworkAsync(parse, token);
                await using var connection = await RawNats.ConnectAsync(framework, RawNats.ValueOr(parse, connectTimeout, RawNats.DefaultConnectTimeout), token);
                var subscriptions = new List<Connector.ChoriaSubscription>();
                foreach (var subject in subjects)
                {
                    subscriptions.Add(await connection.SubscribeAsync(subject, cancellationToken: token));
                }

                await connection.FlushAsync(token);
                if (!parse.GetValue(json))
                {
                    await output.WriteLineAsync($"Waiting for events from {string.Join(", ", subjects)} on {connection.ConnectedServerUrl}");
                    await output.FlushAsync(token);
                }

                var gate = new SemaphoreSlim(1, 1);
                try
                {
                    await Task.WhenAll(subscriptions.Select(async sub =>
                    {
                        await foreach (var message in sub.ReadAllAsync(token))
                        {
                            var line = parse.GetValue(json)
                                ? MachineEventFormatter.Json(message.Data.Span, filter)
                                : MachineEventFormatter.Line(message.Data.Span, filter, TimeProvider.System.GetLocalNow(), colour);
                            if (line is null)
                            {
                                continue;
                            }

                            await gate.WaitAsync(token);
                            try
                            {
                                await output.WriteLineAsync(line);
                                await output.FlushAsync(token);
                            }
                            finally
                            {
                                gate.Release();
                            }
                        }
                    }));
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    // Interrupted: the normal end of this command.
                }
                finally
                {
                    foreach (var sub in subscriptions)
                    {
                        await sub.DisposeAsync();
                    }
                }

                return 0;
            },
            ct));
        return cmd;
    }
}

/// <summary>Identity and machine selection of <c>machine watch</c>; null or empty matches anything.</summary>
public sealed record MachineEventFilter(string? Identity, string? Machine)
{
    public bool Matches(JsonElement data) =>
        (string.IsNullOrEmpty(Identity) || Text(data, "identity") == Identity)
        && (string.IsNullOrEmpty(Machine) || Text(data, "machine") == Machine);

    internal static string Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString() ?? "",
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
            _ => "",
        } : "";
}

/// <summary>The lines <c>machine watch</c> prints; events it cannot read or that are filtered out give null.</summary>
public static class MachineEventFormatter
{
    private const string Reset = "\u001b[0m";

    public static string? Json(ReadOnlySpan<byte> payload, MachineEventFilter filter) =>
        TryData(payload, out var doc, out var data) && Using(doc, filter.Matches(data)) ? Encoding.UTF8.GetString(payload) : null;

    public static string? Line(ReadOnlySpan<byte> payload, MachineEventFilter filter, DateTimeOffset received, bool colour)
    {
        if (!TryData(payload, out var doc, out var data))
        {
            return null;
        }

        using (doc)
        {
            if (!filter.Matches(data))
            {
                return null;
            }

            string T(string name) => MachineEventFilter.Text(data, name);
            var protocol = T("protocol");
            var time = received.ToString("HH:mm:ss", CultureInfo.InvariantCulture);
            if (protocol == "io.choria.machine.v1.transition")
            {
                var text = $"{T("identity")} {T("machine")}#{T("version")} transitioned via event {T("transition")}: {T("from_state")} => {T("to_state")}";
                return $"{time} {Paint(text, "\u001b[32m", colour)}";
            }

            var type = T("type");
            var detail = type switch
            {
                "exec" => $"command: {T("command")}, previous: {T("previous_outcome")} ran: {long.Parse(T("previous_run_time") is { Length: > 0 } ns ? ns : "0", CultureInfo.InvariantCulture) / 1e9:0.000}s",
                "file" => $"path: {T("path")}: {T("previous_outcome")}",
                "nagios" => $"{T("status")}: {T("output")}",
                "timer" => $"state: {T("state")}",
                _ => data.TryGetProperty("state", out _) ? $"state: {T("state")}" : "",
            };
            var line = $"{T("identity")} {T("machine")}#{T("name")} {type} {detail}".TrimEnd();
            return $"{time} {Paint(line, "\u001b[36m", colour)}";
        }
    }

    private static bool Using(JsonDocument doc, bool result)
    {
        doc.Dispose();
        return result;
    }

    private static string Paint(string text, string code, bool colour) => colour ? code + text + Reset : text;

    /// <summary>The CloudEvent's <c>data</c> object; the bare 2020 formats (no wrapper) are accepted too.</summary>
    private static bool TryData(ReadOnlySpan<byte> payload, out JsonDocument doc, out JsonElement data)
    {
        data = default;
        try
        {
            doc = JsonDocument.Parse(payload.ToArray());
        }
        catch (JsonException)
        {
            doc = null!;
            return false;
        }

        var root = doc.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            data = d;
            return true;
        }

        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("protocol", out _))
        {
            data = root;
            return true;
        }

        doc.Dispose();
        return false;
    }
}
