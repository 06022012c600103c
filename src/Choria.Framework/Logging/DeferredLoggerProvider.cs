using Microsoft.Extensions.Logging;

namespace Choria.Framework.Logging;

/// <summary>
/// Creates the wrapped provider on the first message that passes the level filter, not before. The console provider
/// starts its own writer thread when built, and a command such as <c>choria req</c> usually logs nothing: starting
/// that thread cost it CPU for no output (docs/performance.md).
/// </summary>
/// <remarks>
/// Scopes go through the factory's external scope provider, handed on to the real provider when it is made, so no
/// scope pushed before the first message is lost.
/// </remarks>
internal sealed class DeferredLoggerProvider(Func<ILoggerProvider> create) : ILoggerProvider, ISupportExternalScope
{
    private readonly Lock _gate = new();
    private ILoggerProvider? _provider;
    private IExternalScopeProvider? _scopes;
    private bool _disposed;

    public ILogger CreateLogger(string categoryName) => new DeferredLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider)
    {
        lock (_gate)
        {
            _scopes = scopeProvider;
            (_provider as ISupportExternalScope)?.SetScopeProvider(scopeProvider);
        }
    }

    /// <summary>The real provider, made on first use; null once disposed, so late messages are dropped.</summary>
    private ILoggerProvider? Provider()
    {
        if (Volatile.Read(ref _provider) is { } provider)
        {
            return provider;
        }

        lock (_gate)
        {
            if (_provider is null && !_disposed)
            {
                var made = create();
                if (_scopes is not null)
                {
                    (made as ISupportExternalScope)?.SetScopeProvider(_scopes);
                }

                Volatile.Write(ref _provider, made);
            }

            return _provider;
        }
    }

    public void Dispose()
    {
        ILoggerProvider? provider;
        lock (_gate)
        {
            _disposed = true;
            provider = _provider;
        }

        // Disposing the console provider drains its queue, so every message written before this is on stderr.
        provider?.Dispose();
    }

    private sealed class DeferredLogger(DeferredLoggerProvider owner, string category) : ILogger
    {
        private ILogger? _logger;

        // The factory has already applied the level filter; the wrapped providers accept every level but None.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => Logger()?.BeginScope(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Logger()?.Log(logLevel, eventId, state, exception, formatter);

        private ILogger? Logger()
        {
            if (Volatile.Read(ref _logger) is { } logger)
            {
                return logger;
            }

            var made = owner.Provider()?.CreateLogger(category);
            Volatile.Write(ref _logger, made);
            return made;
        }
    }
}
