namespace Choria.Protocol.Filters;

/// <summary>How the compound group is treated.</summary>
public enum CompoundMode
{
    /// <summary>Evaluate statement call stacks and <c>expr</c> expressions.</summary>
    Evaluate,

    /// <summary>2020 Go server behaviour: any compound filter means no match.</summary>
    Reject,
}
