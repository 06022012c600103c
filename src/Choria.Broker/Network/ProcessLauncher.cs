using System.Collections.Concurrent;
using System.Diagnostics;

namespace Choria.Broker.Network;

/// <summary>
/// Starts child processes from one long-lived thread. PR_SET_PDEATHSIG (setpriv --pdeathsig) fires
/// when the *thread* that forked the child exits, so forking from a thread-pool thread that later
/// retires would kill a healthy nats-server; this thread lives as long as the supervisor.
/// </summary>
internal sealed class ProcessLauncher : IDisposable
{
    internal const string SetPriv = "/usr/bin/setpriv";
    private const string SetSid = "/usr/bin/setsid";

    private readonly BlockingCollection<(ProcessStartInfo Info, TaskCompletionSource<Process> Result)> _queue = [];
    private readonly Thread _thread;

    public ProcessLauncher()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "nats-server launcher" };
        _thread.Start();
    }

    /// <summary>
    /// The command line that runs <paramref name="binary"/> so that it dies with us (pdeathsig) and
    /// sits in its own session, away from the terminal's Ctrl-C. Both helpers exec, keeping the PID.
    /// <c>OrphanProtection</c> is false when setpriv is missing, so the caller can warn about it.
    /// </summary>
    public static (string FileName, List<string> Arguments, bool OrphanProtection) BuildCommand(string binary, IEnumerable<string> arguments)
    {
        var args = new List<string>();
        if (File.Exists(SetSid))
        {
            args.Add(SetSid);
        }

        args.Add(binary);
        args.AddRange(arguments);
        if (File.Exists(SetPriv))
        {
            return (SetPriv, ["--pdeathsig", "KILL", "--", .. args], true);
        }

        return (args[0], args[1..], false);
    }

    public Task<Process> StartAsync(ProcessStartInfo info)
    {
        var tcs = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((info, tcs));
        return tcs.Task;
    }

    public void Dispose()
    {
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
    }

    private void Run()
    {
        foreach (var (info, result) in _queue.GetConsumingEnumerable())
        {
            try
            {
                var process = new Process { StartInfo = info, EnableRaisingEvents = true };
                process.Start();
                result.SetResult(process);
            }
#pragma warning disable CA1031 // the failure is handed to the awaiting caller
            catch (Exception ex)
#pragma warning restore CA1031
            {
                result.SetException(ex);
            }
        }
    }
}
