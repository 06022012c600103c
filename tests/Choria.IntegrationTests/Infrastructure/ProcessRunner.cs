using System.Diagnostics;
using System.Text;

namespace Choria.IntegrationTests.Infrastructure;

/// <summary>
/// A child process whose stdout and stderr are captured line by line, so tests can wait for a line to
/// appear. Dispose kills the whole process tree if it is still running.
/// </summary>
internal sealed class ProcessRunner : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly object _lock = new();
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ProcessRunner(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

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

    /// <param name="stdin">Written to the child's stdin, which is then closed; null leaves stdin redirected but empty.</param>
    public static ProcessRunner Start(string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, byte[]? stdin = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        var runner = new ProcessRunner(process);
        process.OutputDataReceived += (_, e) => runner.Append(runner._stdout, e.Data, runner._stdoutClosed);
        process.ErrorDataReceived += (_, e) => runner.Append(runner._stderr, e.Data, runner._stderrClosed);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (stdin is not null)
        {
            process.StandardInput.BaseStream.Write(stdin);
        }

        process.StandardInput.Close();
        return runner;
    }

    /// <summary>Runs to completion; kills the process and fails when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<ProcessResult> RunAsync(string fileName, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null, byte[]? stdin = null)
    {
        await using var runner = Start(fileName, args, environment, stdin);
        var code = await runner.WaitForExitAsync(timeout);
        return new ProcessResult(code, runner.Stdout, runner.Stderr);
    }

    /// <summary>Waits for exit and for all output to be read; throws <see cref="TimeoutException"/> after killing it.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).WaitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"{_process.StartInfo.FileName} did not exit within {timeout}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>; throws with the output so far otherwise.</summary>
    public async Task WaitForStdoutAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_stdout.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }

                changed = _changed.Task;
            }

            if (_process.HasExited && _stdoutClosed.Task.IsCompleted)
            {
                throw new InvalidOperationException($"process exited ({_process.ExitCode}) before printing '{text}'\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            }

            try
            {
                await changed.WaitAsync(TimeSpan.FromMilliseconds(250), cts.Token);
            }
            catch (TimeoutException)
            {
                // Re-check exit state.
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"'{text}' did not appear on stdout within {timeout}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            }
        }
    }

    public bool HasExited => _process.HasExited;

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
            // Already gone.
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            // Nothing more we can do; the test reports its own failure.
        }

        _process.Dispose();
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
            }

            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);
