using System.Diagnostics;
using System.Text;

namespace Choria.Machine.Watchers;

/// <summary>Result of one command run by a watcher.</summary>
public sealed record CommandResult(int ExitCode, string Output, TimeSpan Elapsed, string? Error)
{
    public bool TimedOut { get; init; }
}

/// <summary>
/// Runs watcher commands (exec, nagios) in the machine directory with only the environment the manifest gives
/// (docs/machines.md, "exec"): no shell, a timeout that kills the whole process tree, output kept to a bounded size.
/// </summary>
internal static class CommandRunner
{
    /// <summary>Output kept per run; a chatty command cannot grow the server.</summary>
    public const int MaxOutputChars = 64 * 1024;

    /// <summary>What every watcher command sees: its machine and watcher name, and <c>PATH</c> ending in the machine directory.</summary>
    public static Dictionary<string, string> MachineEnvironment(string machine, string watcher, string directory) => new(StringComparer.Ordinal)
    {
        ["MACHINE_WATCHER_NAME"] = watcher,
        ["MACHINE_NAME"] = machine,
        ["PATH"] = $"{Environment.GetEnvironmentVariable("PATH")}{Path.PathSeparator}{directory}",
    };

    /// <summary>Splits a command line on spaces, honouring single and double quotes and backslash escapes (no shell features).</summary>
    public static IReadOnlyList<string> Split(string command)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        char quote = '\0';
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else if (c == '\\' && quote == '"' && i + 1 < command.Length && command[i + 1] is '"' or '\\')
                {
                    current.Append(command[++i]);
                }
                else
                {
                    current.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    inWord = true;
                    break;
                case '\\' when i + 1 < command.Length:
                    current.Append(command[++i]);
                    inWord = true;
                    break;
                case ' ' or '\t' or '\n':
                    if (inWord)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                        inWord = false;
                    }

                    break;
                default:
                    current.Append(c);
                    inWord = true;
                    break;
            }
        }

        if (quote != '\0')
        {
            throw new FormatException($"unterminated {quote} quote in command '{command}'");
        }

        if (inWord)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>
    /// Finds the executable: a path with a slash is relative to <paramref name="directory"/>; a bare name is looked up
    /// in <c>PATH</c>, then in the machine directory (which the command's own <c>PATH</c> ends with).
    /// </summary>
    public static string Resolve(string program, string directory)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return Path.IsPathRooted(program) ? program : Path.GetFullPath(Path.Combine(directory, program));
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append(directory))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return Path.Combine(directory, program);
    }

    public static async Task<CommandResult> RunAsync(string command, string directory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, TimeProvider clock, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        IReadOnlyList<string> words;
        try
        {
            words = Split(command);
        }
        catch (FormatException e)
        {
            return new CommandResult(-1, "", TimeSpan.Zero, e.Message);
        }

        if (words.Count == 0)
        {
            return new CommandResult(-1, "", TimeSpan.Zero, "the command is empty");
        }

        var psi = new ProcessStartInfo(Resolve(words[0], directory))
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in words.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment.Clear();
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        using var process = new Process { StartInfo = psi };
        try
        {
            if (!process.Start())
            {
                return new CommandResult(-1, "", clock.GetElapsedTime(started), $"could not start {psi.FileName}");
            }
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return new CommandResult(-1, "", clock.GetElapsedTime(started), $"could not start {psi.FileName}: {e.Message}");
        }

        process.StandardInput.Close();
        var output = new BoundedText(MaxOutputChars);
        var stdout = PumpAsync(process.StandardOutput, output);
        var stderr = PumpAsync(process.StandardError, output);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = !cancellationToken.IsCancellationRequested;
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        // Children that inherited the pipes may keep them open; do not wait on them for ever.
        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
        cancellationToken.ThrowIfCancellationRequested();
        var elapsed = clock.GetElapsedTime(started);
        if (timedOut)
        {
            return new CommandResult(-1, output.ToString(), elapsed, $"timed out after {timeout.TotalSeconds}s and was killed") { TimedOut = true };
        }

        return new CommandResult(process.ExitCode, output.ToString(), elapsed, process.ExitCode == 0 ? null : $"exit status {process.ExitCode}");
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }

    private static async Task PumpAsync(StreamReader reader, BoundedText into)
    {
        var buffer = new char[4096];
        int n;
        while ((n = await reader.ReadAsync(buffer)) > 0)
        {
            into.Append(buffer.AsSpan(0, n));
        }
    }

    private sealed class BoundedText(int max)
    {
        private readonly StringBuilder _text = new();
        private readonly Lock _lock = new();

        public void Append(ReadOnlySpan<char> chars)
        {
            lock (_lock)
            {
                var room = max - _text.Length;
                if (room > 0)
                {
                    _text.Append(chars[..Math.Min(room, chars.Length)]);
                }
            }
        }

        public override string ToString()
        {
            lock (_lock)
            {
                return _text.ToString();
            }
        }
    }
}
