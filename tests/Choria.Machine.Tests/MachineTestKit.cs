using System.Collections.Concurrent;
using Choria.Machine.Manifest;
using Choria.Machine.Notifications;
using Choria.Machine.Runtime;

namespace Choria.Machine.Tests;

/// <summary>Collects the events machines send, for assertions.</summary>
internal sealed class RecordingNotifier : IMachineNotifier
{
    public ConcurrentQueue<TransitionNotification> Transitions { get; } = new();

    public ConcurrentQueue<WatcherStateNotification> States { get; } = new();

    public void Transition(TransitionNotification notification) => Transitions.Enqueue(notification);

    public void WatcherState(WatcherStateNotification notification) => States.Enqueue(notification);
}

/// <summary>A temporary machine directory and the context machines in these tests run with.</summary>
internal sealed class MachineTestKit : IDisposable
{
    public MachineTestKit()
    {
        Root = Directory.CreateTempSubdirectory("choria-machine-").FullName;
        Context = new MachineContext { Identity = "node1.example.net", Notifier = Notifier, Loggers = Loggers, ThrottleDelay = TimeSpan.FromMilliseconds(300) };
    }

    public string Root { get; }

    public RecordingNotifier Notifier { get; } = new();

    public CapturingLoggerFactory Loggers { get; } = new();

    public MachineContext Context { get; set; }

    /// <summary>Writes <c>NAME/machine.yaml</c> (and optional extra files) under <see cref="Root"/>; returns the directory.</summary>
    public string WriteMachine(string name, string yaml, params (string File, string Content)[] files)
    {
        var dir = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        File.WriteAllText(Path.Combine(dir, ManifestLoader.FileName), yaml);
        foreach (var (file, content) in files)
        {
            var path = Path.Combine(dir, file);
            File.WriteAllText(path, content);
            if (file.EndsWith(".sh", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        return dir;
    }

    public MachineInstance Load(string dir) => new(ManifestLoader.LoadDirectory(dir), dir, Context);

    public static async Task WaitUntilAsync(Func<bool> condition, string what, double seconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(25);
        }
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
