using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Choria.Server.Agents;
using Choria.Server.Runtime;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Audit;

public sealed record RpcAuditOptions
{
    /// <summary><c>plugin.rpcaudit.logfile</c>; empty disables auditing with a warning.</summary>
    public string LogFile { get; init; } = "";
}

/// <summary>Appends one JSON line per authorized request (docs/agents.md), file mode 0600.</summary>
/// <param name="counters">Failed writes are counted here (<see cref="WriteTarget.AuditLog"/>).</param>
internal sealed partial class RpcAuditor(RpcAuditOptions options, ILogger<RpcAuditor> logger, TimeProvider? time = null, ServerCounters? counters = null) : IRequestAuditor
{
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Lock _lock = new();
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public void Audit(ActionRequest request)
    {
        if (string.IsNullOrEmpty(options.LogFile))
        {
            LogNoFile();
            return;
        }

        var line = FormatLine(request, _time.GetUtcNow());
        try
        {
            lock (_lock)
            {
                var fso = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.ReadWrite };
                if (!OperatingSystem.IsWindows())
                {
                    fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var fs = new FileStream(options.LogFile, fso);
                fs.Write(line);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            counters?.WriteFailed(WriteTarget.AuditLog);
            LogWriteFailed(options.LogFile, e.Message);
        }
    }

    /// <summary>The audit line including its trailing newline.</summary>
    public static byte[] FormatLine(ActionRequest request, DateTimeOffset now)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            w.WriteStartObject();
            w.WriteString("timestamp", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+0000'", CultureInfo.InvariantCulture));
            w.WriteString("request_id", request.RequestId);
            w.WriteNumber("request_time", request.Time);
            w.WriteString("caller", request.CallerId);
            w.WriteString("sender", request.SenderId);
            w.WriteString("agent", request.Agent);
            w.WriteString("action", request.Action);
            w.WritePropertyName("data");
            request.Data.WriteTo(w);
            w.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auditing is enabled but plugin.rpcaudit.logfile is not set, not auditing")]
    private partial void LogNoFile();

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not write audit log {File}: {Reason}")]
    private partial void LogWriteFailed(string file, string reason);
}
