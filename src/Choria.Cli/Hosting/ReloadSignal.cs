namespace Choria.Cli.Hosting;

/// <summary>
/// Routes SIGHUP to the daemon command running in this process. Only a daemon registers a handler;
/// one-shot commands leave SIGHUP at its POSIX default so a closed terminal still ends them.
/// </summary>
public static class ReloadSignal
{
    private static readonly Lock s_lock = new();
    private static Action? s_handler;

    /// <summary>Installs <paramref name="handler"/> until the returned value is disposed; it must return quickly.</summary>
    public static IDisposable Register(Action handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (s_lock)
        {
            s_handler = handler;
        }

        return new Registration(handler);
    }

    /// <summary>Runs the registered handler; false when none is registered (the signal keeps its default action).</summary>
    public static bool TryRaise()
    {
        Action? handler;
        lock (s_lock)
        {
            handler = s_handler;
        }

        handler?.Invoke();
        return handler is not null;
    }

    private sealed class Registration(Action handler) : IDisposable
    {
        public void Dispose()
        {
            lock (s_lock)
            {
                if (ReferenceEquals(s_handler, handler))
                {
                    s_handler = null;
                }
            }
        }
    }
}
