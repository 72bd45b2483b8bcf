"""Prints infra/template.yaml after the real SAM transform (aws-sam-translator, installed with
aws-sam-cli in the test venv), as JSON: the plain CloudFormation that AWS would deploy.

Run offline: local CodeUri folders are replaced by a placeholder S3 location (as `sam validate`
does), and managed policies given by name are refused instead of being looked up in IAM.
Usage: python sam_transform.py TEMPLATE
"""
import json
import os
import sys

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse


class NoManagedPolicyNames:
    def load(self):
        return {}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        template = yaml_parse(f.read())
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://placeholder-bucket/placeholder-key"
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    json.dump(transform(template, {}, NoManagedPolicyNames()), sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
