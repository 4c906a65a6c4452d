using Coupon.Core.Auth;

namespace Coupon.AppHost.Hosting;

// The HS256 key of the development token authority (Coupon.Core.Auth.TokenSigning). 44 letters
// and digits are valid base64 for a 33-byte key. The `token` command signs with it.
public sealed class TokenSigningKeyResource(string name) : ParameterResource(name, minLength: 44)
{
    public TokenSigning ToTokenSigning(RunState state) =>
        new(TokenSigning.DefaultIssuer, TokenSigning.DefaultAudience, GetValue(state));
}

public static class TokenSigningBuilderExtensions
{
    public static IResourceBuilder<TokenSigningKeyResource> AddTokenSigningKey(this IDistributedApplicationBuilder builder, string name) =>
        builder.AddResource(new TokenSigningKeyResource(name));

    // The Authentication:Schemes:Bearer settings that make the project trust the key's tokens.
    public static IResourceBuilder<ProjectResource> WithTokenSigning(
        this IResourceBuilder<ProjectResource> project, IResourceBuilder<TokenSigningKeyResource> key)
    {
        // The variables' names and fixed values come from the contract; the key is the only secret.
        var shape = new TokenSigning(TokenSigning.DefaultIssuer, TokenSigning.DefaultAudience, KeyBase64: "");
        foreach (var (name, value) in shape.ToEnvironment())
        {
            project.Resource.Environment[name] = value.Length == 0 ? key.Resource : new LiteralValue(value);
        }
        return project;
    }
}
