"""Tests of the production deployment: docker-compose.yml, Dockerfile, docker/, .env.example."""
