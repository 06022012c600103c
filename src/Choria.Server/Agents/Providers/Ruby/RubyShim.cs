using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Choria.Ddl;
using Choria.Ddl.Ruby;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.Providers.Ruby;

/// <summary>One discovered Ruby agent: its name, its <c>.rb</c> file and its (JSON or converted) DDL.</summary>
public sealed record RubyAgentSpec(string Name, string AgentFile, AgentDdl Ddl);

/// <summary>
/// Talks to the Ruby shim: one Ruby process per request, the request JSON on its standard input, the
/// reply as the first JSON value on its standard output (docs/agents.md, "Ruby agents").
/// </summary>
internal sealed partial class RubyShim(RubyAgentProviderOptions options, ILogger logger)
{
    public async Task<ActionReply> InvokeAsync(RubyAgentSpec agent, ActionRequest request, CancellationToken cancellationToken)
    {
        var prefix = $"Cannot call Ruby action {agent.Name}#{request.Action}: ";
        if (Precheck() is { } problem)
        {
            return ActionReply.Fail(RpcStatus.Aborted, prefix + problem);
        }

        // The dispatcher gives up at exactly the DDL timeout; the shim (and whatever it started) is killed a
        // little earlier, so nothing of it outlives the request and the caller hears why.
        var timeout = TimeSpan.FromSeconds(Math.Max(1, agent.Ddl.Metadata.Timeout));
        timeout -= TimeSpan.FromMilliseconds(Math.Min(500, timeout.TotalMilliseconds / 10));

        var run = await RubyProcess.RunAsync(Start(agent, [], RequestJson(request), timeout, request.Action), cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();

        if (run.StartError is not null)
        {
            return ActionReply.Fail(RpcStatus.Aborted, prefix + run.StartError);
        }

        if (run.TimedOut)
        {
            // mcollectived sends nothing here (its Timeout::timeout drops the reply); a status 1 that says why is
            // more useful to the caller than a node listed as not responding (docs/agents.md).
            LogKilled(agent.Name, request.Action, timeout.TotalSeconds);
            return ActionReply.Fail(RpcStatus.Aborted, prefix + string.Create(CultureInfo.InvariantCulture, $"the action did not finish within {timeout.TotalSeconds:0.#} seconds and was killed"));
        }

        if (!TryDecode(run, out var reply, out var error))
        {
            LogUndecodable(agent.Name, request.Action, error, run.ExitCode);
            return ActionReply.Fail(RpcStatus.Aborted, $"Cannot decode output from Shim for Ruby action {agent.Name}#{request.Action}: {error}");
        }

        return reply;
    }

    /// <summary>Asks the agent's <c>activate?</c> (its <c>activate_when</c> block); <c>Error</c> says why it is not active.</summary>
    public async Task<(bool Activate, string? Error)> ActivationAsync(RubyAgentSpec agent, CancellationToken cancellationToken)
    {
        if (Precheck() is { } problem)
        {
            return (false, problem);
        }

        var stdin = new ArrayBufferWriter<byte>(64);
        using (var w = new Utf8JsonWriter(stdin))
        {
            w.WriteStartObject();
            w.WriteString("agent", agent.Name);
            w.WriteEndObject();
        }

        var run = await RubyProcess.RunAsync(Start(agent, ["--activation"], stdin.WrittenMemory, options.ActivationTimeout, "activate?"), cancellationToken);
        if (run.StartError is not null)
        {
            return (false, run.StartError);
        }

        if (run.TimedOut)
        {
            return (false, $"the activation check did not finish within {options.ActivationTimeout.TotalSeconds:0} seconds");
        }

        try
        {
            using var doc = FirstValue(run.Stdout);
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("activate", out var activate) && activate.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                var error = root.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
                return (activate.GetBoolean(), error);
            }

            // A shim of another make (the Puppet module's) cannot answer; its agents were always active.
            LogNoActivationAnswer(agent.Name, options.Shim);
            return (true, null);
        }
        catch (JsonException e)
        {
            return (false, $"could not decode the activation answer: {e.Message}{StderrSuffix(run)}");
        }
    }

    private string? Precheck()
    {
        if (options.Shim.Length == 0)
        {
            return "Ruby compatibility shim was not configured";
        }

        if (options.ShimConfig.Length == 0)
        {
            return "Ruby compatibility shim configuration file was not configured";
        }

        if (!File.Exists(options.Shim))
        {
            return $"Ruby compatibility shim {options.Shim} does not exist";
        }

        if (!File.Exists(options.ShimConfig))
        {
            return $"Ruby compatibility shim configuration file {options.ShimConfig} does not exist";
        }

        return null;
    }

    private RubyProcessStart Start(RubyAgentSpec agent, string[] extra, ReadOnlyMemory<byte> stdin, TimeSpan timeout, string action) => new()
    {
        FileName = options.Converter.Ruby,
        Arguments = [options.Shim, "--config", options.ShimConfig, .. extra],
        Stdin = stdin,
        Timeout = timeout,
        MaxStdoutBytes = options.MaxReplyBytes,
        Environment = new Dictionary<string, string>
        {
            ["CHORIA_RUBY_LIBDIR"] = string.Join(Path.PathSeparator, options.LibDirs),
            ["CHORIA_RUBY_AGENT_FILE"] = agent.AgentFile,
        },
        OnStderrLine = line => LogStderr(agent.Name, action, line),
    };

    /// <summary>The stdin document of docs/agents.md (the Go server's shim request, field for field).</summary>
    internal static ReadOnlyMemory<byte> RequestJson(ActionRequest request)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            request.WriteEnvelopeFields(w);
            w.WriteStartObject("body");
            w.WriteString("agent", request.Agent);
            w.WriteString("action", request.Action);
            w.WritePropertyName("data");
            request.Data.WriteTo(w);
            w.WriteString("caller", request.CallerId);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private static bool TryDecode(RubyProcessResult run, out ActionReply reply, out string error)
    {
        reply = ActionReply.Ok();
        if (run.StdoutTooLarge)
        {
            error = $"the reply is larger than {run.Stdout.Length} bytes";
            return false;
        }

        try
        {
            using var doc = FirstValue(run.Stdout);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = $"the reply is a JSON {root.ValueKind}, not an object";
                return false;
            }

            var code = root.TryGetProperty("statuscode", out var sc) && sc.TryGetInt32(out var c) ? c : 0;
            var message = root.TryGetProperty("statusmsg", out var sm) && sm.ValueKind == JsonValueKind.String ? sm.GetString() ?? "" : "";
            var data = root.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Object ? JsonNode.Parse(d.GetRawText()) as JsonObject : null;
            reply = new ActionReply { StatusCode = (RpcStatus)code, StatusMessage = message, Data = data ?? [] };
            error = "";
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message + StderrSuffix(run);
            return false;
        }
    }

    /// <summary>The first JSON value of <paramref name="stdout"/>; whatever follows it is ignored, as Go does.</summary>
    private static JsonDocument FirstValue(byte[] stdout)
    {
        var reader = new Utf8JsonReader(stdout, new JsonReaderOptions { AllowMultipleValues = true });
        return JsonDocument.ParseValue(ref reader);
    }

    private static string StderrSuffix(RubyProcessResult run)
    {
        var last = run.StderrTail.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last is null ? "" : $" (stderr: {last})";
    }

    /// <summary>MCollective's console logger starts lines with the level; keep it, so agent errors are errors here.</summary>
    private void LogStderr(string agent, string action, string line)
    {
        if (line.StartsWith("error", StringComparison.Ordinal) || line.StartsWith("fatal", StringComparison.Ordinal))
        {
            LogStderrError(agent, action, line);
        }
        else if (line.StartsWith("warn", StringComparison.Ordinal))
        {
            LogStderrWarning(agent, action, line);
        }
        else if (line.StartsWith("debug", StringComparison.Ordinal))
        {
            LogStderrDebug(agent, action, line);
        }
        else
        {
            LogStderrInfo(agent, action, line);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Ruby agent {Agent}#{Action}: {Line}")]
    private partial void LogStderrError(string agent, string action, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ruby agent {Agent}#{Action}: {Line}")]
    private partial void LogStderrWarning(string agent, string action, string line);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ruby agent {Agent}#{Action}: {Line}")]
    private partial void LogStderrInfo(string agent, string action, string line);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ruby agent {Agent}#{Action}: {Line}")]
    private partial void LogStderrDebug(string agent, string action, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ruby action {Agent}#{Action} did not finish within {Seconds} seconds, the shim was killed")]
    private partial void LogKilled(string agent, string action, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ruby action {Agent}#{Action} produced no usable reply (exit status {ExitCode}): {Error}")]
    private partial void LogUndecodable(string agent, string action, string error, int? exitCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Ruby shim {Shim} does not answer activation checks; agent {Agent} is activated without asking it")]
    private partial void LogNoActivationAnswer(string agent, string shim);
}
