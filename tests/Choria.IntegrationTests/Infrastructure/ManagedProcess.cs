using System.Collections.Concurrent;
using System.Diagnostics;

namespace Choria.IntegrationTests.Infrastructure;

/// <summary>A child process whose output is captured and which is always killed on dispose.</summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private ManagedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every stdout and stderr line so far.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    /// <summary>
    /// Starts <paramref name="fileName"/>. With <paramref name="interruptIgnored"/> it inherits SIGINT ignored, as a
    /// shell's background job (<c>cmd &amp;</c>) does: a shell sets the disposition and execs it, same pid.
    /// </summary>
    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool interruptIgnored = false)
    {
        if (interruptIgnored)
        {
            arguments = ["-c", "trap '' INT; exec \"$0\" \"$@\"", fileName, .. arguments];
            fileName = "/bin/sh";
        }

        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(process);
        process.OutputDataReceived += (_, e) => managed.Add(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Add(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>Waits until a line contains <paramref name="text"/>; fails with the output when the process exits or time runs out.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"process exited with {_process.ExitCode} before printing '{text}':\n{Output}");
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"'{text}' not seen within {timeout}:\n{Output}");
    }

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM (graceful) and waits for the exit code.</summary>
    public Task<int> TerminateAsync(TimeSpan timeout) => SignalAndWaitAsync("TERM", timeout);

    /// <summary>Sends SIGINT (Ctrl-C) and waits for the exit code.</summary>
    public Task<int> InterruptAsync(TimeSpan timeout) => SignalAndWaitAsync("INT", timeout);

    /// <summary>The signal numbers this process ignores (from <c>SigIgn</c> in /proc/PID/status).</summary>
    public IReadOnlySet<int> IgnoredSignals()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return Enumerable.Range(1, 64).Where(n => (mask & (1UL << (n - 1))) != 0).ToHashSet();
    }

    private async Task<int> SignalAndWaitAsync(string signal, TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }
}
