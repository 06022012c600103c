using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Choria.Ddl.Ruby;

/// <summary>
/// Runs one short-lived Ruby program (the agent shim, the DDL converter): writes its standard input, reads
/// bounded standard output, hands every standard-error line to the caller, and kills the whole process tree
/// when the timeout expires or the caller cancels, so no request ever waits on a hung Ruby.
/// </summary>
public static class RubyProcess
{
    private const int StderrTailLines = 20;

    private static readonly TimeSpan s_readerGrace = TimeSpan.FromSeconds(2);

    public static async Task<RubyProcessResult> RunAsync(RubyProcessStart start, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(start.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in start.Arguments)
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (k, v) in start.Environment)
        {
            info.Environment[k] = v;
        }

        using var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch (Exception e) when (e is Win32Exception or InvalidOperationException or IOException)
        {
            return new RubyProcessResult([], false, false, null, $"could not start {start.FileName}: {e.Message}", "");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(start.Timeout);
        using var killOnExpiry = timeout.Token.Register(() => Kill(process));

        var tail = new Queue<string>();
        var stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                start.OnStderrLine?.Invoke(line);
                lock (tail)
                {
                    tail.Enqueue(line);
                    if (tail.Count > StderrTailLines)
                    {
                        tail.Dequeue();
                    }
                }
            }
        }, CancellationToken.None);

        var stdin = Task.Run(async () =>
        {
            try
            {
                await process.StandardInput.BaseStream.WriteAsync(start.Stdin, CancellationToken.None).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The program exited without reading all of its input; its output says why.
            }
        }, CancellationToken.None);

        var output = new BoundedBuffer(start.MaxStdoutBytes);
        var stdout = Task.Run(async () =>
        {
            if (!await output.FillAsync(process.StandardOutput.BaseStream).ConfigureAwait(false))
            {
                Kill(process);
            }
        }, CancellationToken.None);

        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);

        // A daemon the agent started may hold the pipes open for ever; what was written before the exit is
        // already in them, so the readers get a short grace and are then abandoned (disposing the process
        // closes our ends).
        await Task.WhenAny(Task.WhenAll(stdout, stdin, stderr), Task.Delay(s_readerGrace, CancellationToken.None)).ConfigureAwait(false);

        string stderrTail;
        lock (tail)
        {
            stderrTail = string.Join('\n', tail);
        }

        var (data, tooLarge) = output.Snapshot();
        var timedOut = timeout.IsCancellationRequested && !tooLarge;
        return new RubyProcessResult(data, tooLarge, timedOut, timedOut ? null : process.ExitCode, null, stderrTail);
    }

    private static void Kill(Process process)
    {
        try
        {
            // The agent may have started children (package managers, service scripts); they go too.
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>Standard output up to a limit, readable while the reader may still be running.</summary>
    private sealed class BoundedBuffer(int max)
    {
        private readonly ArrayBufferWriter<byte> _buffer = new();
        private bool _tooLarge;

        /// <summary>Reads to the end of <paramref name="stream"/>; false when the limit was reached first.</summary>
        public async Task<bool> FillAsync(Stream stream)
        {
            var chunk = new byte[16 * 1024];
            int read;
            while ((read = await stream.ReadAsync(chunk, CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                lock (_buffer)
                {
                    if (_buffer.WrittenCount + read > max)
                    {
                        _buffer.Write(chunk.AsSpan(0, max - _buffer.WrittenCount));
                        _tooLarge = true;
                        return false;
                    }

                    _buffer.Write(chunk.AsSpan(0, read));
                }
            }

            return true;
        }

        public (byte[] Data, bool TooLarge) Snapshot()
        {
            lock (_buffer)
            {
                return (_buffer.WrittenSpan.ToArray(), _tooLarge);
            }
        }
    }
}
