namespace Choria.Machine.Runtime;

/// <summary>Store settings (docs/machines.md, "The machine store").</summary>
public sealed record MachineHostOptions
{
    /// <summary><c>plugin.choria.machine.store</c>: each sub-directory holding a <c>machine.yaml</c> is a machine.</summary>
    public required string Store { get; init; }

    public TimeSpan ScanInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between stopping a changed machine and starting its new version.</summary>
    public TimeSpan ReplaceDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Machines compiled into the binary: started once in <c>STORE/NAME</c>, which the scan then leaves alone.</summary>
    public IReadOnlyList<CompiledMachine> Compiled { get; init; } = [];
}
