using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Choria.Testing;

/// <summary>What a process run to completion left behind.</summary>
public sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

/// <summary>
/// The one child-process wrapper of the tests: stdout and stderr captured line by line (apart and together), so
/// tests can wait for a line; signals for graceful stops; the whole process tree killed on dispose.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ManagedProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every stdout and stderr line so far, in arrival order.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>All lines so far, stdout and stderr interleaved.</summary>
    public string Output => string.Join('\n', _lines);

    public string Stdout
    {
        get
        {
            lock (_lock)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_lock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. <paramref name="stdin"/> is written to its stdin, which is then closed;
    /// without it stdin stays open (and empty). With <paramref name="interruptIgnored"/> the child inherits SIGINT
    /// ignored, as a shell's background job (<c>cmd &amp;</c>) does; with <paramref name="hangupIgnored"/> SIGHUP, as
    /// under <c>nohup</c>: a shell sets the disposition and execs it, same pid.
    /// </summary>
    public static ManagedProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null, bool interruptIgnored = false, byte[]? stdin = null, bool hangupIgnored = false)
    {
        if (interruptIgnored || hangupIgnored)
        {
            var signals = string.Join(' ', new[] { interruptIgnored ? "INT" : "", hangupIgnored ? "HUP" : "" }.Where(s => s.Length > 0));
            arguments = ["-c", $"trap '' {signals}; exec \"$0\" \"$@\"", fileName, .. arguments];
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
        process.OutputDataReceived += (_, e) => managed.Append(managed._stdout, e.Data, managed._stdoutClosed);
        process.ErrorDataReceived += (_, e) => managed.Append(managed._stderr, e.Data, managed._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
            process.StandardInput.Close();
        }

        return managed;
    }

    /// <summary>Runs to completion with stdin closed; kills the process and throws when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> arguments, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, byte[]? stdin = null)
    {
        await using var process = Start(fileName, arguments, environment, stdin: stdin ?? []);
        var code = await process.WaitForExitAsync(timeout);
        return new ProcessResult(code, process.Stdout, process.Stderr);
    }

    /// <summary>Waits until a stdout or stderr line contains <paramref name="text"/>; fails with the output when the process exits or time runs out.</summary>
    public Task WaitForOutputAsync(string text, TimeSpan timeout) =>
        WaitForAsync(() => _lines.Any(l => l.Contains(text, StringComparison.Ordinal)), $"'{text}'", timeout);

    /// <summary>Waits until stdout contains <paramref name="text"/> (which may span lines).</summary>
    public Task WaitForStdoutAsync(string text, TimeSpan timeout) =>
        WaitForAsync(() => Stdout.Contains(text, StringComparison.Ordinal), $"'{text}' on stdout", timeout);

    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken);
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cancellationToken);
        return _process.ExitCode;
    }

    /// <summary>Waits for exit and for all output to be read; kills the process and throws <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }
    }

    /// <summary>Sends SIGTERM (graceful) and waits for the exit code.</summary>
    public Task<int> TerminateAsync(TimeSpan timeout) => SignalAndWaitAsync("TERM", timeout);

    /// <summary>Sends SIGINT (Ctrl-C) and waits for the exit code.</summary>
    public Task<int> InterruptAsync(TimeSpan timeout) => SignalAndWaitAsync("INT", timeout);

    /// <summary>The signal numbers this process ignores (from <c>SigIgn</c> in /proc/PID/status).</summary>
    public IReadOnlySet<int> IgnoredSignals()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return Enumerable.Range(1, 64).Where(n => (mask & (1UL << (n - 1))) != 0).ToHashSet();
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            // Nothing more to do; the test reports its own failure.
        }

        _process.Dispose();
    }

    private async Task<int> SignalAndWaitAsync(string signal, TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-" + signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    private async Task WaitForAsync(Func<bool> seen, string what, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
            }

            if (seen())
            {
                return;
            }

            if (_process.HasExited && _stdoutClosed.Task.IsCompleted && _stderrClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"process exited with {_process.ExitCode} before printing {what}:\n{Output}");
            }

            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(250), cts.Token);
            }
            catch (TimeoutException)
            {
                // Re-check the exit state.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{what} not seen within {timeout}:\n{Output}");
            }
        }
    }

    private void Append(StringBuilder target, string? line, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
        }

        TaskCompletionSource previous;
        lock (_lock)
        {
            if (line is not null)
            {
                target.Append(line).Append('\n');
                _lines.Enqueue(line);
            }

            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
