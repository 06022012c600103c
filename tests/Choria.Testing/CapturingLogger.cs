using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Choria.Testing;

/// <summary>Records every entry; loggers given the same <paramref name="entries"/> queue share it.</summary>
public sealed class CapturingLogger(ConcurrentQueue<(LogLevel Level, string Message)>? entries = null) : ILogger
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = entries ?? new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, formatter(state, exception)));
}

/// <summary>A typed <see cref="CapturingLogger"/> for constructors that take <see cref="ILogger{T}"/>.</summary>
public sealed class CapturingLogger<T>(ConcurrentQueue<(LogLevel Level, string Message)>? entries = null) : ILogger<T>
{
    private readonly CapturingLogger _inner = new(entries);

    public ConcurrentQueue<(LogLevel Level, string Message)> Entries => _inner.Entries;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _inner.Log(logLevel, eventId, state, exception, formatter);
}

/// <summary>Every logger it creates writes into the one <see cref="Entries"/> queue.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    public ConcurrentQueue<(LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(Entries);

    /// <summary>Every entry as <c>Level: message</c>, in the order logged.</summary>
    public IEnumerable<string> Lines => Entries.Select(e => $"{e.Level}: {e.Message}");

    /// <summary>True when a line at <paramref name="level"/> contains <paramref name="fragment"/>.</summary>
    public bool Logged(LogLevel level, string fragment) => Entries.Any(e => e.Level == level && e.Message.Contains(fragment, StringComparison.Ordinal));

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }
}
