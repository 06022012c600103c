namespace Choria.Ddl;

/// <summary>Outcome of loading one DDL: either <see cref="Ddl"/> or a human <see cref="Error"/>.</summary>
public sealed record DdlLoadResult(AgentDdl? Ddl, string? Error, string Source)
{
    public bool Success => Ddl is not null;
}
