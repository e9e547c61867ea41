"""deploy/infrastructure.yaml, read as data: one CloudFront distribution for the whole site,
the private static bucket behind OAC, the origin open to CloudFront only, and GitHub roles
that only this repository's main branch (CI) and production environment (deploys) assume."""

import pytest

from .conftest import ROOT, load_template, workflow

TEMPLATE = load_template(ROOT / "deploy" / "infrastructure.yaml")
RESOURCES = TEMPLATE["Resources"]
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"


def _of_type(kind: str) -> dict[str, dict]:
    return {name: r for name, r in RESOURCES.items() if r["Type"] == kind}


def _managed(ref: dict) -> str:
    """The id behind `!FindInMap [ManagedPolicies, Cache, Name]`."""
    _, group, name = ref["Fn::FindInMap"]
    return TEMPLATE["Mappings"]["ManagedPolicies"][group][name]


def _config() -> dict:
    (distribution,) = _of_type("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


def _origin(origin_id: str) -> dict:
    (origin,) = [o for o in _config()["Origins"] if o["Id"] == origin_id]
    return origin


def _trust(role: str) -> dict:
    (statement,) = RESOURCES[role]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    return statement


def _actions(role: str) -> set[str]:
    actions = set()
    for policy in RESOURCES[role]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            found = statement["Action"]
            actions |= {found} if isinstance(found, str) else set(found)
    return actions


def test_one_distribution_serves_the_whole_site_from_the_backend_without_caching():
    assert len(_of_type("AWS::CloudFront::Distribution")) == 1
    default = _config()["DefaultCacheBehavior"]
    assert default["TargetOriginId"] == "backend"
    assert _managed(default["CachePolicyId"]) == CACHING_DISABLED
    assert {"POST", "PUT", "PATCH", "DELETE"} <= set(default["AllowedMethods"])
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"


def test_the_backend_gets_host_cookies_csrf_authorization_and_query_strings():
    default = _config()["DefaultCacheBehavior"]
    policy_name = default["OriginRequestPolicyId"]["Ref"]
    policy = RESOURCES[policy_name]["Properties"]["OriginRequestPolicyConfig"]
    # allViewer: every viewer header, Host, X-CSRFToken and (caching off) Authorization too.
    assert policy["HeadersConfig"]["HeaderBehavior"] == "allViewer"
    assert policy["CookiesConfig"]["CookieBehavior"] == "all"
    assert policy["QueryStringsConfig"]["QueryStringBehavior"] == "all"


def test_the_backend_is_the_instance_reached_only_by_cloudfront():
    backend = _origin("backend")
    assert backend["CustomOriginConfig"]["HTTPPort"] == 8000
    headers = {h["HeaderName"]: h["HeaderValue"] for h in backend["OriginCustomHeaders"]}
    assert headers == {"X-Forwarded-Proto": "https"}
    assert not _of_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
    (group,) = _of_type("AWS::EC2::SecurityGroup").values()
    (rule,) = group["Properties"]["SecurityGroupIngress"]
    assert (rule["FromPort"], rule["ToPort"]) == (8000, 8000)
    assert rule["SourcePrefixListId"] == {"Ref": "CloudFrontPrefixListId"}
    assert "CidrIp" not in rule
    data = RESOURCES["InstanceLaunchTemplate"]["Properties"]["LaunchTemplateData"]
    (interface,) = data["NetworkInterfaces"]
    assert interface["Groups"] == [{"Ref": "WebSecurityGroup"}]
    assert data["MetadataOptions"]["HttpTokens"] == "required"


def test_static_files_come_from_the_private_bucket_through_origin_access_control():
    (static,) = _config()["CacheBehaviors"]
    assert static["PathPattern"] == "/static/*"
    assert static["TargetOriginId"] == "static"
    assert _managed(static["CachePolicyId"]) == CACHING_OPTIMIZED  # honours max-age=1 year
    origin = _origin("static")
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["StaticOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
    oac = RESOURCES["StaticOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["SigningBehavior"], oac["SigningProtocol"]) == ("always", "sigv4")
    block = RESOURCES["StaticBucket"]["Properties"]["PublicAccessBlockConfiguration"]
    assert all(block.values())
    statements = RESOURCES["StaticBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    (read,) = [s for s in statements if s["Effect"] == "Allow"]
    assert read["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert read["Action"] == "s3:GetObject"
    source = read["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    assert source.endswith(":distribution/${Distribution}")


def test_viewers_get_https_with_tls_1_2_on_the_own_domain_and_security_headers():
    config = _config()
    own, default = config["ViewerCertificate"]["Fn::If"][1:]
    assert own["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert own["SslSupportMethod"] == "sni-only"
    assert default == {"CloudFrontDefaultCertificate": True}
    certificate = TEMPLATE["Parameters"]["CertificateArn"]["AllowedPattern"]
    assert ":acm:us-east-1:" in certificate
    for behavior in [config["DefaultCacheBehavior"], *config["CacheBehaviors"]]:
        assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
        assert behavior["ResponseHeadersPolicyId"] == {"Ref": "SecurityHeadersPolicy"}
    policy = RESOURCES["SecurityHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
    hsts = policy["SecurityHeadersConfig"]["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000
    assert RESOURCES["DnsRecord"]["Condition"] == "HasZone"


def test_ci_pushes_images_only_from_this_repositorys_main_branch():
    trust = _trust("ImagePushRole")
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    condition = trust["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    assert condition["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:ref:refs/heads/${GitHubBranch}"
    }
    assert "*" not in str(condition)
    assert TEMPLATE["Parameters"]["GitHubBranch"]["Default"] == "main"
    assert "ecr:PutImage" in _actions("ImagePushRole")
    assert not {a for a in _actions("ImagePushRole") if not a.startswith("ecr:")}


def test_deploys_come_only_from_the_production_environment_and_cannot_push_images():
    condition = _trust("DeployRole")["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:sub"] == {
        "Fn::Sub": "repo:${GitHubRepository}:environment:${GitHubEnvironment}"
    }
    actions = _actions("DeployRole")
    assert {"ecr:DescribeImages", "codedeploy:CreateDeployment"} <= actions
    assert {"cloudfront:CreateInvalidation", "s3:PutObject"} <= actions
    assert not actions & {"ecr:PutImage", "ecr:InitiateLayerUpload", "*", "s3:*", "iam:*"}
    assert {job["environment"] for job in _deploy_jobs_with_aws()} == {"production"}


def _deploy_jobs_with_aws() -> list[dict]:
    jobs = []
    for name in ("deploy.yml", "deploy-lambda.yml"):
        for job in workflow(name)["jobs"].values():
            if any("configure-aws" in s.get("uses", "") for s in job.get("steps", [])):
                jobs.append(job)
    assert jobs
    return jobs


def test_codedeploy_targets_the_instance_tag_and_rolls_back_by_itself():
    group = RESOURCES["DeploymentGroup"]["Properties"]
    rollback = group["AutoRollbackConfiguration"]
    assert rollback["Enabled"] is True
    assert "DEPLOYMENT_FAILURE" in rollback["Events"]
    (tag_filter,) = group["Ec2TagFilters"]
    instance_tags = {t["Key"]: t["Value"] for t in RESOURCES["Instance"]["Properties"]["Tags"]}
    assert instance_tags[tag_filter["Key"]] == tag_filter["Value"]


def test_image_tags_are_immutable_so_a_commit_names_one_digest():
    for name in ("WebRepository", "WorkerRepository"):
        assert RESOURCES[name]["Properties"]["ImageTagMutability"] == "IMMUTABLE"


@pytest.mark.parametrize(
    "output",
    [
        "AwsRoleArn", "EcrPushRoleArn", "EcrWebRepository", "EcrWorkerRepository",
        "CodeDeployApplication", "CodeDeployDeploymentGroup", "CodeDeployBucket",
        "StaticBucket", "CloudFrontDistributionId", "SiteUrl",
    ],
)  # fmt: skip
def test_every_value_the_workflows_read_is_an_output(output):
    assert output in TEMPLATE["Outputs"]


def test_the_stack_is_linted_in_the_static_checks():
    checks = (ROOT / "scripts" / "checks.sh").read_text()
    assert "scripts/lint_sam.sh deploy/infrastructure.yaml" in checks
