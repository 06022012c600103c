using System.Globalization;
using System.Text.Json;
using Choria.Machine.Manifest;
using Choria.Machine.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Machine.Watchers;

/// <summary>One perfdata item of a Nagios plugin's output (<c>label=value[unit];warn;crit;min;max</c>).</summary>
internal sealed record PerfData(string Label, double Value, string Unit);

/// <summary>
/// Nagios-style checks (docs/machines.md, "nagios"): a plugin command whose exit code is the status (0 OK,
/// 1 WARNING, 2 CRITICAL, anything else UNKNOWN), or the builtins <c>heartbeat</c> and <c>choria_status</c>.
/// OK fires the success transition, any other status the fail transition. States: NOTCHECKED, SKIPPED, OK,
/// WARNING, CRITICAL, UNKNOWN.
/// </summary>
internal sealed partial class NagiosWatcher : Watcher
{
    public const string Kind = "nagios";

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(5);

    private static readonly string[] s_statusNames = ["OK", "WARNING", "CRITICAL", "UNKNOWN"];

    private readonly string _plugin;
    private readonly string _builtin;
    private readonly TimeSpan _timeout;
    private readonly TimeSpan? _lastMessage;
    private readonly IReadOnlyDictionary<string, string> _annotations;
    private volatile Result _last = new("NOTCHECKED", 3, "", [], DateTimeOffset.UnixEpoch, TimeSpan.Zero);

    public NagiosWatcher(WatcherSpec spec, MachineInstance machine)
        : base(spec, machine)
    {
        _plugin = spec.Properties.Text("plugin");
        _builtin = spec.Properties.Text("builtin");
        _timeout = spec.Properties.Duration("timeout") ?? ExecWatcher.DefaultTimeout;
        _lastMessage = spec.Properties.Duration("last_message");
        _annotations = spec.Properties.StringMap("annotations");
    }

    public override string StateName => _last.Status;

    public static void Check(WatcherSpec spec)
    {
        var plugin = spec.Properties.Text("plugin");
        var builtin = spec.Properties.Text("builtin");
        if (plugin.Length == 0 && builtin.Length == 0)
        {
            throw spec.Properties.Error("plugin", "or builtin is required");
        }

        if (builtin.Length > 0 && builtin is not ("heartbeat" or "choria_status"))
        {
            throw spec.Properties.Error("builtin", $"'{builtin}' is not supported, use heartbeat or choria_status");
        }

        spec.Properties.Duration("timeout");
        spec.Properties.Duration("last_message");
        spec.Properties.StringMap("annotations");
        ExecWatcher.CheckInterval(spec, ExecWatcher.MinimumInterval);
    }

    public override async Task RunAsync(CancellationToken cancellationToken)
    {
        var textfile = Machine.Context.PrometheusTextfile;
        textfile?.Register(Machine.Name, this);
        try
        {
            await LoopAsync(Spec.Interval ?? DefaultInterval, CheckAsync, cancellationToken);
        }
        finally
        {
            textfile?.Remove(Machine.Name, this);
        }
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (!ShouldWatch())
        {
            _last = _last with { Status = "SKIPPED" };
            return;
        }

        var now = Clock.GetUtcNow();
        var result = _builtin switch
        {
            "heartbeat" => Parse(0, $"heartbeat {now.ToUnixTimeSeconds()}|time={now.ToUnixTimeSeconds()}s", now, TimeSpan.Zero),
            "choria_status" => ChoriaStatus(now),
            _ => await RunPluginAsync(now, cancellationToken),
        };
        _last = result;
        Ran(result.Runtime);
        Machine.Context.PrometheusTextfile?.Checked(Machine.Name, this, result.Code);
        if (result.Code != 0)
        {
            LogNotOk(Logger, Machine.Name, Name, result.Status, result.Output);
        }

        Announce();
        await (result.Code == 0 ? SuccessTransitionAsync(cancellationToken) : FailureTransitionAsync(cancellationToken));
    }

    private async Task<Result> RunPluginAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var env = CommandRunner.MachineEnvironment(Machine.Name, Name, Machine.Directory);
        var run = await CommandRunner.RunAsync(_plugin, Machine.Directory, env, _timeout, Clock, cancellationToken);
        if (run.ExitCode < 0)
        {
            return Parse(3, $"UNKNOWN: {run.Error}", now, run.Elapsed);
        }

        return Parse(run.ExitCode, run.Output, now, run.Elapsed);
    }

    private Result ChoriaStatus(DateTimeOffset now)
    {
        if (Machine.Context.ServerHealth is not { } health)
        {
            return Parse(3, "UNKNOWN: choria_status only works inside choria server", now, TimeSpan.Zero);
        }

        var h = health();
        if (h.ConnectedServer.Length == 0 || h.ConnectedServer == "unknown")
        {
            return Parse(2, "CRITICAL: not connected to a Choria broker", now, TimeSpan.Zero);
        }

        if (_lastMessage is { } max)
        {
            var age = h.LastMessage is { } last ? now - last : TimeSpan.MaxValue;
            if (age > max)
            {
                var seen = h.LastMessage is { } l ? l.ToString("u", CultureInfo.InvariantCulture) : "never";
                return Parse(2, $"CRITICAL: last message at {seen}", now, TimeSpan.Zero);
            }
        }

        return Parse(0, $"OK: connected to {h.ConnectedServer}", now, TimeSpan.Zero);
    }

    /// <summary>Nagios plugin output: the first line up to <c>|</c> is the text, what follows is perfdata.</summary>
    internal static Result Parse(int exitCode, string output, DateTimeOffset checkTime, TimeSpan runtime)
    {
        var code = exitCode is >= 0 and <= 3 ? exitCode : 3;
        var firstLine = output.Split('\n', 2)[0].TrimEnd('\r');
        var bar = firstLine.IndexOf('|', StringComparison.Ordinal);
        var text = (bar >= 0 ? firstLine[..bar] : firstLine).Trim();
        var perf = bar >= 0 ? ParsePerfData(firstLine[(bar + 1)..]) : [];
        return new Result(s_statusNames[code], code, text, perf, checkTime, runtime);
    }

    internal static IReadOnlyList<PerfData> ParsePerfData(string text)
    {
        var result = new List<PerfData>();
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && text[i] == ' ')
            {
                i++;
            }

            if (i >= text.Length)
            {
                break;
            }

            string label;
            if (text[i] == '\'')
            {
                var close = text.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    break;
                }

                label = text[(i + 1)..close];
                i = close + 1;
            }
            else
            {
                var eqAt = text.IndexOf('=', i);
                if (eqAt < 0)
                {
                    break;
                }

                label = text[i..eqAt];
                i = eqAt;
            }

            if (i >= text.Length || text[i] != '=')
            {
                break;
            }

            var end = text.IndexOf(' ', i);
            var item = end < 0 ? text[(i + 1)..] : text[(i + 1)..end];
            i = end < 0 ? text.Length : end;
            var valuePart = item.Split(';')[0];
            var digits = valuePart.TrimEnd('s', 'm', 'u', '%', 'B', 'K', 'M', 'T', 'c');
            if (double.TryParse(digits, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                result.Add(new PerfData(label, value, valuePart[digits.Length..]));
            }
        }

        return result;
    }

    protected override void WriteStateFields(Utf8JsonWriter writer)
    {
        var last = _last;
        writer.WriteString("plugin", _builtin.Length > 0 ? _builtin : _plugin);
        writer.WriteString("status", last.Status);
        writer.WriteNumber("status_code", last.Code);
        writer.WriteString("output", last.Output);
        writer.WriteNumber("check_time", last.CheckTime.ToUnixTimeSeconds());
        writer.WriteStartArray("perfdata");
        foreach (var p in last.PerfData)
        {
            writer.WriteStartObject();
            writer.WriteString("unit", p.Unit);
            writer.WriteString("label", p.Label);
            writer.WriteNumber("value", p.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteNumber("runtime", last.Runtime.TotalSeconds);
        writer.WriteStartObject("annotations");
        foreach (var (k, v) in _annotations)
        {
            writer.WriteString(k, v);
        }

        writer.WriteEndObject();
    }

    protected override string Summary() => $"{_last.Status}: {_last.Output}";

    internal sealed record Result(string Status, int Code, string Output, IReadOnlyList<PerfData> PerfData, DateTimeOffset CheckTime, TimeSpan Runtime);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Machine {Machine} watcher {Watcher}: {Status}: {Output}")]
    private static partial void LogNotOk(ILogger logger, string machine, string watcher, string status, string output);
}
