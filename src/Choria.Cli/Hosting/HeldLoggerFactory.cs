using Microsoft.Extensions.Logging;

namespace Choria.Cli.Hosting;

/// <summary>
/// A logger factory whose loggers can be held back for a while: what is logged meanwhile is kept and then either
/// written in order or dropped. A client command connects while it still validates its request (docs/client.md);
/// should the validation fail, the warnings of that abandoned connect (a refused first attempt) must not appear
/// before the validation error, as they never did when the connect came second.
/// </summary>
internal sealed class HeldLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    private readonly Lock _lock = new();
    private List<Action>? _held;

    public ILogger CreateLogger(string categoryName) => new HeldLogger(this, inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Keeps every entry logged from now until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            _held ??= [];
        }
    }

    /// <summary>Ends the hold: writes the kept entries in order when <paramref name="write"/>, else drops them.</summary>
    public void Release(bool write)
    {
        List<Action>? held;
        lock (_lock)
        {
            held = _held;
            _held = null;
        }

        if (write && held is not null)
        {
            foreach (var entry in held)
            {
                entry();
            }
        }
    }

    private bool Holding => Volatile.Read(ref _held) is not null;

    private bool TryKeep(Action entry)
    {
        lock (_lock)
        {
            _held?.Add(entry);
            return _held is not null;
        }
    }

    private sealed class HeldLogger(HeldLoggerFactory owner, ILogger logger) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => logger.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logger.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!logger.IsEnabled(logLevel) || (owner.Holding && owner.TryKeep(() => logger.Log(logLevel, eventId, state, exception, formatter))))
            {
                return;
            }

            logger.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
