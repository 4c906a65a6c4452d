namespace Coupon.Admin.SignIn;

// Every page but sign-in carries [Authorize(Policy = OperatorPolicy.Name)] (the feature folders' _Imports.razor).
public static class OperatorPolicy
{
    public const string Name = "operator";
}
