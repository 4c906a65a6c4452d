using Coupon.Api;
using Coupon.Api.Campaigns;
using Coupon.Api.Infrastructure;
using Coupon.Api.Issuing;
using Coupon.Api.Operations;
using Coupon.Api.Users;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseApiPipeline();

app.MapDefaultEndpoints(AuthorizationPolicies.Operator);
app.MapIssuing();
app.MapUsers();
app.MapCampaigns();
app.MapOperations();

app.Run();
