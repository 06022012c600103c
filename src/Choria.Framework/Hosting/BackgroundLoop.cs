namespace Choria.Framework.Hosting;

/// <summary>
/// One background task of a component (a ticker, a poll): started once, cancelled and awaited on stop, so a
/// component's <c>StopAsync</c> returns only when its loop has really ended.
/// </summary>
public sealed class BackgroundLoop : IAsyncDisposable
{
    private CancellationTokenSource? _stopping;
    private Task _loop = Task.CompletedTask;

    public bool Running => _stopping is not null;

    /// <summary>Runs <paramref name="loop"/> on the thread pool until <see cref="StopAsync"/>; false when already running.</summary>
    public bool Start(Func<CancellationToken, Task> loop)
    {
        ArgumentNullException.ThrowIfNull(loop);
        if (_stopping is not null)
        {
            return false;
        }

        _stopping = new CancellationTokenSource();
        var token = _stopping.Token;
        _loop = Task.Run(() => loop(token), CancellationToken.None);
        return true;
    }

    /// <summary>Cancels the loop and waits for it to end, or for <paramref name="cancellationToken"/> (the host's deadline).</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not { } stopping)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        stopping.Dispose();
        _stopping = null;
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None).ConfigureAwait(false);
}
