namespace Choria.Ddl;

public sealed record InputValidationResult(InputValidationFailure Failure, string? Error)
{
    public static InputValidationResult Ok { get; } = new(InputValidationFailure.None, null);

    public bool IsValid => Failure == InputValidationFailure.None;
}
