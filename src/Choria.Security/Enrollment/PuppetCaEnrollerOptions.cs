namespace Choria.Security.Enrollment;

/// <summary>Input of <see cref="PuppetCaEnroller"/>.</summary>
public sealed record PuppetCaEnrollerOptions
{
    public PuppetCaEndpoint Endpoint { get; init; } = new(PuppetCaEndpoint.DefaultHost, PuppetCaEndpoint.DefaultPort);

    /// <summary>Pause between certificate downloads; 10 s like Choria, tests shorten it.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Upper bound for the whole enrollment (<c>choria enroll</c> waits 250 s).</summary>
    public TimeSpan WaitLimit { get; init; } = TimeSpan.FromSeconds(250);
}
