using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Choria.Server.Agents.External;

/// <summary>The outcome of one run: the reply file's bytes, or why there are none.</summary>
internal sealed record ExternalRunResult(byte[]? Reply, string? Error)
{
    public bool Success => Reply is not null;
}

/// <summary>
/// Runs an external agent executable once with the file protocol of docs/agents.md: request, reply and facts temp
/// files, <c>&lt;exe&gt; &lt;request&gt; &lt;reply&gt; io.choria.mcorpc.external.v1.rpc_request</c>, only the
/// <c>CHORIA_EXTERNAL_*</c> variables and <c>PATH</c> in the environment, output lines logged, killed (with its
/// children) when the timeout passes. Never throws for anything the executable does.
/// </summary>
internal sealed partial class ExternalProcess(ILogger logger)
{
    /// <summary>The third argument is this for activation too; only <c>CHORIA_EXTERNAL_PROTOCOL</c> tells them apart.</summary>
    public const string RpcProtocol = "io.choria.mcorpc.external.v1.rpc_request";

    public const string ActivationProtocol = "io.choria.mcorpc.external.v1.activation_request";

    // One logged line is cut here so an agent printing without newlines cannot grow a line buffer without bound.
    private const int MaxLoggedLine = 4096;

    // After the process exits, a child that kept stdout open must not hold the request.
    private static readonly TimeSpan s_outputDrain = TimeSpan.FromSeconds(1);

    public async Task<ExternalRunResult> RunAsync(ExternalRun run, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tmp = Path.GetTempPath();
        var id = Guid.NewGuid().ToString("N")[..16];
        var requestFile = Path.Combine(tmp, $"choria-external-{id}-request.json");
        var replyFile = Path.Combine(tmp, $"choria-external-{id}-reply.json");
        var factsFile = Path.Combine(tmp, $"choria-external-{id}-facts.json");
        try
        {
            await WritePrivateAsync(requestFile, run.Request, cancellationToken);
            await WritePrivateAsync(replyFile, ReadOnlyMemory<byte>.Empty, cancellationToken);
            await WritePrivateAsync(factsFile, ToJson(run.Facts), cancellationToken);

            var error = await ExecuteAsync(run, requestFile, replyFile, factsFile, tmp, cancellationToken);
            return error is null ? ReadReply(replyFile, run.MaxReplyBytes) : new(null, error);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, $"could not prepare the request files: {e.Message}");
        }
        finally
        {
            Delete(requestFile);
            Delete(replyFile);
            Delete(factsFile);
        }
    }

    private async Task<string?> ExecuteAsync(ExternalRun run, string requestFile, string replyFile, string factsFile, string workDir, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(run.Executable)
        {
            WorkingDirectory = workDir,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList = { requestFile, replyFile, RpcProtocol },
        };
        start.Environment.Clear();
        start.Environment["CHORIA_EXTERNAL_REQUEST"] = requestFile;
        start.Environment["CHORIA_EXTERNAL_REPLY"] = replyFile;
        start.Environment["CHORIA_EXTERNAL_PROTOCOL"] = run.Protocol;
        start.Environment["CHORIA_EXTERNAL_CONFIG"] = Path.Combine(run.ConfigDirectory, "plugin.d", run.Agent);
        start.Environment["CHORIA_EXTERNAL_FACTS"] = factsFile;
        start.Environment["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin";

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return $"executing {run.Executable} failed: {e.Message}";
        }

        process.StandardInput.Close();
        var stdout = LogLinesAsync(process.StandardOutput, line => LogStdout(run.Agent, line));
        var stderr = LogLinesAsync(process.StandardError, line => LogStderr(run.Agent, line));

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(run.Timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await DrainAsync(stdout, stderr);
            return cancellationToken.IsCancellationRequested
                ? $"executing {run.Executable} failed: the request was cancelled"
                : $"executing {run.Executable} failed: it did not finish within {run.Timeout.TotalSeconds:0.###}s and was killed";
        }

        await DrainAsync(stdout, stderr);
        return process.ExitCode == 0 ? null : $"executing {run.Executable} failed: exit status {process.ExitCode}";
    }

    private static byte[] ToJson(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            value.WriteTo(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ExternalRunResult ReadReply(string replyFile, long maxBytes)
    {
        try
        {
            using var stream = new FileStream(replyFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            if (stream.Length > maxBytes)
            {
                return new(null, $"the reply file is {stream.Length} bytes, more than the {maxBytes} bytes allowed");
            }

            // Read at most one byte past the limit: the file may still grow if a child of the agent writes to it.
            var buffer = new byte[Math.Min(stream.Length, maxBytes) + 1];
            var total = 0;
            int read;
            while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
            {
                total += read;
            }

            return total > maxBytes
                ? new(null, $"the reply file is more than the {maxBytes} bytes allowed")
                : new(buffer[..total], null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new(null, $"could not read the reply file: {e.Message}");
        }
    }

    private static async Task WritePrivateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        // Requests carry caller data and facts: readable by the server's user only.
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using var stream = new FileStream(path, options);
        await stream.WriteAsync(content, cancellationToken);
    }

    private static async Task LogLinesAsync(StreamReader reader, Action<string> log)
    {
        var buffer = new char[MaxLoggedLine];
        var line = new StringBuilder();
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    var c = buffer[i];
                    if (c == '\n')
                    {
                        log(line.ToString().TrimEnd('\r'));
                        line.Clear();
                    }
                    else if (line.Length < MaxLoggedLine)
                    {
                        line.Append(c);
                    }
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // The pipe closed under us when the process was killed.
        }

        if (line.Length > 0)
        {
            log(line.ToString());
        }
    }

    private static async Task DrainAsync(Task stdout, Task stderr)
    {
        try
        {
            await Task.WhenAll(stdout, stderr).WaitAsync(s_outputDrain);
        }
        catch (TimeoutException)
        {
            // A grandchild holds the pipes open; what it prints later is lost.
        }
    }

    private void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            LogKillFailed(process.Id, e.Message);
        }
    }

    private static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort; the temp directory is cleaned by the system.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "External agent {Agent} stdout: {Line}")]
    private partial void LogStdout(string agent, string line);

    [LoggerMessage(Level = LogLevel.Error, Message = "External agent {Agent} stderr: {Line}")]
    private partial void LogStderr(string agent, string line);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not kill external agent process {Pid}: {Reason}")]
    private partial void LogKillFailed(int pid, string reason);
}

/// <summary>One invocation of an external agent executable.</summary>
internal sealed record ExternalRun
{
    public required string Agent { get; init; }

    public required string Executable { get; init; }

    /// <summary><see cref="ExternalProcess.RpcProtocol"/> or <see cref="ExternalProcess.ActivationProtocol"/>, passed in <c>CHORIA_EXTERNAL_PROTOCOL</c>.</summary>
    public required string Protocol { get; init; }

    public required ReadOnlyMemory<byte> Request { get; init; }

    public required TimeSpan Timeout { get; init; }

    public JsonElement Facts { get; init; } = ActionRequest.EmptyObject;

    public string ConfigDirectory { get; init; } = "";

    public long MaxReplyBytes { get; init; } = Runtime.ExternalAgentOptions.DefaultMaxReplyBytes;
}
